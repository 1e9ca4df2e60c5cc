// The fuzzer's seeded randomness: a mulberry32 stream (src/observers/test-data.ts's `uniform`)
// with the helpers mutations need, and the case seeds of a run. Not a statistics tool: only
// reproducibility matters here, so one seed always gives the same case.
import { uniform } from '../../src/observers/test-data.js';

/** A seeded stream of choices. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** The stream for `seed`. */
export function createRng(seed: number): Rng {
  const next = uniform(seed);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** The seed of case `index` of the run seeded `seed`: one case replays from it alone. */
export function caseSeed(seed: number, index: number): number {
  return createRng((Math.imul(seed, 0x9e3779b1) + index) >>> 0).int(1, 0xfffffffe);
}

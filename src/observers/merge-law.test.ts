// The merge law, by property: observing A then B equals merging an observer of A with an
// observer of B, exactly for MinMax and for histograms on one grid, within float rounding for
// the moving average, within a bin for histograms on unrelated grids; and every observer
// round-trips through JSON exactly. Data includes NaN, +-Inf, -0, constants and all zeros.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantile } from './binned.js';
import { EmaObserver } from './ema.js';
import { HistogramObserver } from './histogram-observer.js';
import { MinMaxObserver } from './minmax.js';
import type { Observer } from './observer.js';
import { createObserver, observerFromJSON, OBSERVERS } from './registry.js';

const finite = fc.float({ min: -1e6, max: 1e6, noNaN: true });
const value = fc.oneof(
  { weight: 8, arbitrary: finite },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1) },
);
/** A batch: arbitrary values, one value repeated, or all zeros. */
const batch = fc.oneof(
  { weight: 4, arbitrary: fc.array(value, { maxLength: 48 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(value, fc.nat(12)).map(([v, n]) => new Array<number>(n).fill(v)),
  },
  { weight: 1, arbitrary: fc.nat(12).map((n) => new Array<number>(n).fill(0)) },
);
const batches = fc.array(
  batch.map((b) => Float32Array.from(b)),
  { maxLength: 4 },
);

function feed<T extends Observer>(o: T, xs: readonly Float32Array[], shape?: number[]): T {
  for (const x of xs) o.observe(x, shape ?? [x.length]);
  return o;
}

/** Observes A then B on one observer, and A and B on two merged ones. */
function both<T extends Observer>(
  make: () => T,
  a: readonly Float32Array[],
  b: readonly Float32Array[],
): [T, T] {
  const serial = feed(feed(make(), a), b);
  const merged = feed(make(), a);
  merged.merge(feed(make(), b));
  return [serial, merged];
}

const json = (o: Observer): string => JSON.stringify(o);

describe('merge law', () => {
  it('minmax: A then B equals merge(A, B), exactly', () => {
    fc.assert(
      fc.property(batches, batches, (a, b) => {
        const [serial, merged] = both(() => new MinMaxObserver(), a, b);
        expect(json(merged)).toBe(json(serial));
      }),
      { numRuns: 300 },
    );
  });

  it('minmax per channel: A then B equals merge(A, B), exactly', () => {
    const rows = fc.array(fc.tuple(value, value, value), { maxLength: 8 });
    const shaped = fc.array(
      rows.map((r) => Float32Array.from(r.flat())),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(shaped, shaped, (a, b) => {
        const make = (): MinMaxObserver => new MinMaxObserver({ axis: 1 });
        const feedRows = (o: MinMaxObserver, xs: Float32Array[]): MinMaxObserver => {
          for (const x of xs) o.observe(x, [x.length / 3, 3]);
          return o;
        };
        const serial = feedRows(feedRows(make(), a), b);
        const merged = feedRows(make(), a);
        merged.merge(feedRows(make(), b));
        expect(json(merged)).toBe(json(serial));
      }),
      { numRuns: 200 },
    );
  });

  it('minmax merge is commutative and associative', () => {
    fc.assert(
      fc.property(batches, batches, batches, (a, b, c) => {
        const obs = (xs: Float32Array[]): MinMaxObserver => feed(new MinMaxObserver(), xs);
        const ab = obs(a);
        ab.merge(obs(b));
        const ba = obs(b);
        ba.merge(obs(a));
        expect(ab.range()).toEqual(ba.range());
        const left = obs(a);
        left.merge(obs(b));
        left.merge(obs(c));
        const bc = obs(b);
        bc.merge(obs(c));
        const right = obs(a);
        right.merge(bc);
        expect(json(left)).toBe(json(right));
      }),
      { numRuns: 200 },
    );
  });

  it('ema: merge(A, B) equals A then B up to float32 rounding', () => {
    fc.assert(
      fc.property(batches, batches, fc.double({ min: 0.01, max: 1, noNaN: true }), (a, b, m) => {
        const [serial, merged] = both(() => new EmaObserver({ momentum: m }), a, b);
        const s = serial.range() as { min: number; max: number };
        const r = merged.range() as { min: number; max: number };
        const scale = Math.max(
          1,
          ...[...a, ...b].flatMap((x) => [...x].filter(Number.isFinite).map(Math.abs)),
        );
        expect(Math.abs(r.min - s.min)).toBeLessThanOrEqual(1e-5 * scale);
        expect(Math.abs(r.max - s.max)).toBeLessThanOrEqual(1e-5 * scale);
        expect(merged.counts()).toEqual(serial.counts());
      }),
      { numRuns: 300 },
    );
  });

  it('histogram on a shared grid (same range option): A then B equals merge(A, B), exactly', () => {
    fc.assert(
      fc.property(batches, batches, fc.integer({ min: 2, max: 64 }), (a, b, bins) => {
        const make = (): HistogramObserver =>
          new HistogramObserver('histogram', { bins, range: { min: -1, max: 1 } });
        const [serial, merged] = both(make, a, b);
        expect(json(merged)).toBe(json(serial));
        // ... and equals seeing A and B as one batch.
        const once = make();
        once.observe(Float32Array.from([...a, ...b].flatMap((x) => [...x])));
        expect(json(once)).toBe(json(serial));
      }),
      { numRuns: 300 },
    );
  });

  it('histogram on unrelated grids: exact min, max and counts; quantiles within a bin', () => {
    fc.assert(
      fc.property(batches, batches, (a, b) => {
        const make = (): HistogramObserver => new HistogramObserver('histogram', { bins: 64 });
        const [serial, merged] = both(make, a, b);
        const s = serial.snapshot();
        const m = merged.snapshot();
        expect([m.min, m.max, m.total]).toEqual([s.min, s.max, s.total]);
        expect(merged.counts()).toEqual(serial.counts());
        if (s.width === 0 || s.total === 0) return;
        const other = feed(make(), b).snapshot().width;
        for (const q of [0.01, 0.25, 0.5, 0.75, 0.99]) {
          // Each quantile is within its own bin of the data's, the merged one also within B's
          // bin (re-binning moves mass by at most that); the merged grid may be coarser than
          // the serial one (it lies on the other lattice). Bin edges are float32 positions
          // (histogram-grid.ts): a few float32 ulps of the data.
          const ulps = 4 * 2 ** -23 * Math.max(Math.abs(s.min), Math.abs(s.max));
          const tolerance = s.width + m.width + other + 1e-9 * (s.max - s.min) + ulps;
          expect(Math.abs(quantile(m, q) - quantile(s, q))).toBeLessThanOrEqual(tolerance);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('JSON', () => {
  it('every method round-trips exactly, and keeps observing as the original', () => {
    const options = { ema: { momentum: 0.3 }, percentile: { percentile: 99.5 } } as const;
    fc.assert(
      fc.property(batches, batches, (a, b) => {
        for (const method of OBSERVERS.keys()) {
          const o = feed(createObserver(method, options[method as keyof typeof options] ?? {}), a);
          const back = observerFromJSON(JSON.parse(json(o)));
          expect(back.kind).toBe(method);
          expect(json(back)).toBe(json(o));
          feed(o, b);
          feed(back, b);
          expect(json(back)).toBe(json(o));
          expect(back.range()).toEqual(o.range());
        }
      }),
      { numRuns: 100 },
    );
  });
});

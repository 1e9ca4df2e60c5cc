// The one seeded pseudo-random generator (mulberry32) that tests, fixtures, benches and the QAT
// sample order share, so the same seed gives the same stream everywhere. Deterministic and
// fast, not cryptographic and not a distribution library: callers shape the uniform values.

/** A deterministic stream of uniform floats in [0, 1) from a 32-bit `seed` (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

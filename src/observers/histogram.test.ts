// The histogram state: its first grid, growth by exact re-binning, point masses for constant
// data, NaN/Inf handling, exact merges on a shared grid and its JSON form.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { Histogram } from './histogram.js';
import { histogramFromJSON, histogramToJSON } from './histogram-json.js';
import { gaussian, laplace } from './test-data.js';

const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0);

/** Plain reference: bin of each value as torch.histc computes it over [min, max]. */
function referenceCounts(x: Float32Array, bins: number): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) if (Number.isFinite(v)) [min, max] = [Math.min(min, v), Math.max(max, v)];
  const span = Math.fround(max - min);
  const counts = new Float64Array(bins);
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    const t = Math.fround(Math.fround(Math.fround(v - min) * bins) / span);
    counts[Math.min(bins - 1, Math.floor(t))]!++;
  }
  return counts;
}

describe('Histogram', () => {
  it('lays the first grid over exactly [min, max], 2048 bins by default', () => {
    const x = gaussian(10_001);
    const h = new Histogram();
    h.observe(x);
    const s = h.snapshot();
    expect(s.counts).toHaveLength(2048);
    expect(s.lo).toBe(s.min);
    expect(s.lo + 2048 * s.width).toBeCloseTo(s.max, 12);
    expect(s.counts).toEqual(referenceCounts(x, 2048));
  });

  it('the unrolled loop and the NaN-checking loop bin alike', () => {
    const x = gaussian(1003);
    const dirty = Float32Array.from([...x, NaN, Infinity, -Infinity]);
    const a = new Histogram({ bins: 64 });
    const b = new Histogram({ bins: 64 });
    a.observe(x);
    b.observe(dirty);
    expect(b.snapshot().counts).toEqual(a.snapshot().counts);
    expect(b.seen).toEqual({ finite: 1003, nan: 1, infinite: 2 });
  });

  it('grows to new data without losing counts, and keeps the exact min and max', () => {
    const h = new Histogram({ bins: 128 });
    const batches = [gaussian(1000, 1), gaussian(1000, 2, 5), laplace(1000, 3, 40)];
    let n = 0;
    for (const b of batches) {
      h.observe(b);
      n += b.length;
      expect(sum(h.snapshot().counts)).toBe(n);
    }
    const all = batches.flatMap((b) => Array.from(b));
    expect(h.min).toBe(Math.min(...all));
    expect(h.max).toBe(Math.max(...all));
    expect(h.grid.exponent).toBeGreaterThan(0);
  });

  it('re-binning is exact: on a shared grid, A then B equals A and B in one batch', () => {
    const a = gaussian(2000, 1);
    const b = gaussian(2000, 2, 3); // wider: the grid must grow
    const range = { min: -1, max: 1 };
    const serial = new Histogram({ bins: 256, range });
    serial.observe(a);
    serial.observe(b);
    const once = new Histogram({ bins: 256, range });
    once.observe(Float32Array.from([...a, ...b]));
    expect(histogramToJSON(serial)).toEqual(histogramToJSON(once));
  });

  it('constant data stays a point mass until a second value arrives', () => {
    const h = new Histogram({ bins: 16 });
    h.observe(Float32Array.of(2, 2, 2));
    expect(h.lattice).toBeUndefined();
    expect(h.snapshot()).toMatchObject({ min: 2, max: 2, width: 0, total: 3 });
    h.observe(Float32Array.of(4));
    const s = h.snapshot();
    expect([s.counts[0], s.counts[15], sum(s.counts)]).toEqual([3, 1, 4]);
  });

  it('an empty histogram reports [0, 0] and no values', () => {
    const h = new Histogram();
    h.observe(new Float32Array(0));
    h.observe(Float32Array.of(NaN));
    expect(h.snapshot()).toMatchObject({ min: 0, max: 0, total: 0 });
    expect(h.seen).toEqual({ finite: 0, nan: 1, infinite: 0 });
  });

  it('a point mass merged with a lattice too fine to reach it keeps the other histogram counts', () => {
    // The lattice of two subnormals cannot hold 7.45e-9 in float32 units, so the merge lays a
    // new one and spreads the old counts; they must be spread as the other histogram's.
    const point = new Histogram({ bins: 64 });
    point.observe(Float32Array.from([7.450580596923828e-9]));
    const tiny = new Histogram({ bins: 64 });
    tiny.observe(Float32Array.from([-2.802596928649634e-45]));
    tiny.observe(Float32Array.from([-1.401298464324817e-45]));
    point.merge(tiny);
    const s = point.snapshot();
    expect([s.min, s.max, s.total]).toEqual([-2.802596928649634e-45, 7.450580596923828e-9, 3]);
    expect(s.counts[0]).toBe(2);
    expect(s.counts[63]).toBe(1);
  });

  it('merging histograms on different grids moves no value by more than a bin', () => {
    const x = gaussian(4000, 7);
    const y = gaussian(4000, 8, 2);
    const merged = new Histogram({ bins: 512 });
    merged.observe(x);
    const other = new Histogram({ bins: 512 });
    other.observe(y);
    merged.merge(other);
    const s = merged.snapshot();
    expect(sum(s.counts)).toBeCloseTo(8000, 9);
    // The count below each edge lies between the true counts one source + one target bin away.
    const all = Float64Array.from([...x, ...y]).sort();
    const below = (t: number): number => {
      let n = 0;
      while (n < all.length && all[n]! < t) n++;
      return n;
    };
    const w = other.snapshot().width + s.width;
    for (let j = 0; j < s.counts.length; j += 7) {
      const cum = sum(s.counts.subarray(0, j + 1));
      const edge = s.lo + (j + 1) * s.width;
      expect(cum).toBeGreaterThanOrEqual(below(edge - w) - 1e-6);
      expect(cum).toBeLessThanOrEqual(below(edge + w) + 1e-6);
    }
  });

  it('refuses a span whose bin positions overflow float32', () => {
    const h = new Histogram();
    let error: unknown;
    try {
      h.observe(Float32Array.of(-3e38, 3e38));
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'bad-calibration-data')).toBe(true);
  });

  it('starts a new lattice when growth would overflow the old one', () => {
    const h = new Histogram({ bins: 32 });
    h.observe(Float32Array.of(0, 1e-40));
    h.observe(Float32Array.of(1e3));
    const s = h.snapshot();
    expect([s.min, s.max, sum(s.counts)]).toEqual([0, 1000, 3]);
    expect(s.counts[0]).toBe(2);
  });

  it('round-trips through JSON exactly, fractional counts included', () => {
    const h = new Histogram({ bins: 300 });
    h.observe(laplace(3000, 5));
    const g = new Histogram({ bins: 300 });
    g.observe(gaussian(2000, 6, 3));
    h.merge(g);
    const text = JSON.stringify(histogramToJSON(h));
    const back = histogramFromJSON(JSON.parse(text));
    expect(JSON.stringify(histogramToJSON(back))).toBe(text);
    expect(back.snapshot()).toEqual(h.snapshot());
  });

  it('rejects malformed JSON with bad-argument', () => {
    const good = histogramToJSON(new Histogram());
    for (const bad of [null, { ...good, bins: 1 }, { ...good, hist: [1, -1] }]) {
      let error: unknown;
      try {
        histogramFromJSON(bad);
      } catch (e) {
        error = e;
      }
      expect(isZeropointError(error, 'bad-argument')).toBe(true);
    }
  });
});

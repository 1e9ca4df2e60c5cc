// Percentile ranges against sorted data: each tail for asymmetric, |x| for symmetric, within
// a bin of the exact order statistic.
import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';
import { percentileRange } from './percentile.js';
import { gaussian, laplace, relu } from './test-data.js';

const ASYM = { qtype: 'uint8', scheme: 'asymmetric' } as const;
const SYM = { qtype: 'int8', scheme: 'symmetric' } as const;

function histogramOf(x: Float32Array, bins = 2048): Histogram {
  const h = new Histogram({ bins });
  h.observe(x);
  return h;
}

/** The exact q-quantile of sorted values (nearest rank). */
function exact(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('percentileRange', () => {
  for (const [name, x] of [
    ['gaussian', gaussian(50_000)],
    ['laplace', laplace(50_000)],
    ['post-relu', relu(50_000)],
  ] as const) {
    it(`asymmetric clips (100 - p)% from each tail of ${name} data, within a bin`, () => {
      const s = histogramOf(x).snapshot();
      const sorted = Float64Array.from(x).sort();
      for (const p of [99, 99.9, 99.99]) {
        const r = percentileRange(s, ASYM, p);
        expect(Math.abs(r.min - exact(sorted, 1 - p / 100))).toBeLessThanOrEqual(s.width);
        expect(Math.abs(r.max - exact(sorted, p / 100))).toBeLessThanOrEqual(s.width);
      }
    });

    it(`symmetric clips |x| of ${name} data at p%, within a bin`, () => {
      const s = histogramOf(x).snapshot();
      const abs = Float64Array.from(x, Math.abs).sort();
      for (const p of [99, 99.99]) {
        const t = exact(abs, p / 100);
        const r = percentileRange(s, SYM, p);
        expect(Math.abs(r.max - Math.min(s.max, t))).toBeLessThanOrEqual(s.width);
        expect(Math.abs(r.min - Math.max(s.min, -t))).toBeLessThanOrEqual(s.width);
      }
    });
  }

  it('the 100th percentile is the exact min and max', () => {
    const s = histogramOf(laplace(1000)).snapshot();
    expect(percentileRange(s, ASYM, 100)).toEqual({ min: s.min, max: s.max });
  });

  it('constant and empty data give their own range', () => {
    const h = new Histogram();
    expect(percentileRange(h.snapshot(), ASYM)).toEqual({ min: 0, max: 0 });
    h.observe(Float32Array.of(3, 3));
    expect(percentileRange(h.snapshot(), SYM)).toEqual({ min: 3, max: 3 });
  });

  it('refuses percentiles outside [50, 100]', () => {
    const s = histogramOf(gaussian(100)).snapshot();
    expect(() => percentileRange(s, ASYM, 101)).toThrow(/percentile/);
    expect(() => percentileRange(s, ASYM, 10)).toThrow(/percentile/);
  });
});

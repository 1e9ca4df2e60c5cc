// Distribution statistics: exact on values, and read from a 2048-bin histogram they agree with
// the exact ones closely enough for the advisor's rules (shape, sign, tail).
import { describe, expect, it } from 'vitest';
import { HistogramObserver } from '../observers/index.js';
import { gaussian, relu, studentT } from '../observers/test-data.js';
import { statsOfHistogram, statsOfValues } from './tensor-stats.js';

describe('statsOfValues', () => {
  it('gives the moments of a small known sample', () => {
    const s = statsOfValues(Float32Array.of(-1, 0, 0, 1, NaN));
    expect(s).toMatchObject({ count: 4, min: -1, max: 1, mean: 0, negativeFraction: 0.25 });
    expect(s.std).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(s.skewness).toBe(0);
    expect(s.kurtosis).toBeCloseTo(2, 12);
  });

  it('a gaussian has skewness 0 and kurtosis 3; post-ReLU data is non-negative and skewed', () => {
    const g = statsOfValues(gaussian(200_000, 5));
    expect(Math.abs(g.skewness)).toBeLessThan(0.05);
    expect(g.kurtosis).toBeCloseTo(3, 1);
    expect(g.negativeFraction).toBeCloseTo(0.5, 2);
    const r = statsOfValues(relu(200_000, 6));
    expect(r.min).toBe(0);
    expect(r.negativeFraction).toBe(0);
    expect(r.skewness).toBeGreaterThan(0.5);
  });

  it('the outlier ratio grows with the tail', () => {
    expect(statsOfValues(studentT(100_000)).outlierRatio).toBeGreaterThan(
      statsOfValues(gaussian(100_000, 2)).outlierRatio,
    );
    expect(statsOfValues(new Float32Array(10).fill(2)).outlierRatio).toBe(1);
  });
});

describe('statsOfHistogram', () => {
  it('agrees with the exact statistics of the values it holds', () => {
    for (const x of [gaussian(100_000, 12), relu(100_000, 13), studentT(100_000, 14)]) {
      const h = new HistogramObserver('histogram');
      h.observe(x);
      const a = statsOfHistogram(h.snapshot());
      const b = statsOfValues(x);
      expect(a.min).toBe(b.min);
      expect(a.max).toBe(b.max);
      expect(a.mean).toBeCloseTo(b.mean, 2);
      expect(a.std / b.std).toBeCloseTo(1, 2);
      expect(Math.abs(a.skewness - b.skewness)).toBeLessThan(
        0.05 * Math.max(1, Math.abs(b.skewness)),
      );
      expect(Math.abs(a.negativeFraction - b.negativeFraction)).toBeLessThan(0.005);
      expect(a.outlierRatio / b.outlierRatio).toBeCloseTo(1, 1);
    }
  });

  it('reads constant data as a point mass', () => {
    const h = new HistogramObserver('histogram');
    h.observe(new Float32Array(8).fill(-3));
    expect(statsOfHistogram(h.snapshot())).toMatchObject({
      min: -3,
      max: -3,
      std: 0,
      negativeFraction: 1,
    });
  });
});

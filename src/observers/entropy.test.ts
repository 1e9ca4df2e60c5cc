// Entropy calibration against a plain transcription of the published algorithm (explicit P
// and Q arrays per candidate), and the property that it clips long tails: it must not fall
// back to MinMax as onnxruntime's calibrator does with its defaults (128 bins, 128 levels).
import { describe, expect, it } from 'vitest';
import { entropyRange } from './entropy.js';
import { foldAbs } from './binned.js';
import { Histogram, type HistogramSnapshot } from './histogram.js';
import { gaussian, laplace, relu, studentT } from './test-data.js';

const SYM = { qtype: 'int8', scheme: 'symmetric' } as const;
const ASYM = { qtype: 'uint8', scheme: 'asymmetric' } as const;

function snapshotOf(x: Float32Array, bins = 2048): HistogramSnapshot {
  const h = new Histogram({ bins });
  h.observe(x);
  return h.snapshot();
}

/**
 * Migacz 2017, step by step: P = first i bins, outliers added to P[i-1]; Q = those i bins
 * merged into `levels` groups and expanded over P's non-zero bins; KL(P || Q) normalized.
 */
function referenceThreshold(abs: HistogramSnapshot, levels: number): number {
  const h = abs.counts;
  let n = h.length;
  while (n > 1 && h[n - 1] === 0) n--;
  let best = Infinity;
  let bestI = n;
  for (let i = levels; i <= n; i++) {
    const p = Array.from(h.subarray(0, i));
    for (let j = i; j < h.length; j++) p[i - 1]! += h[j]!;
    const q = new Array<number>(i).fill(0);
    const merged = Math.floor(i / levels);
    for (let g = 0; g < levels; g++) {
      const start = g * merged;
      const stop = g === levels - 1 ? i : start + merged;
      let sum = 0;
      let nonzero = 0;
      for (let j = start; j < stop; j++) {
        sum += h[j]!;
        if (p[j]! > 0) nonzero++;
      }
      for (let j = start; j < stop; j++) if (p[j]! > 0) q[j] = sum / nonzero;
    }
    const sp = p.reduce((a, b) => a + b, 0);
    const sq = q.reduce((a, b) => a + b, 0);
    let kl = 0;
    for (let j = 0; j < i; j++) {
      if (p[j] === 0) continue;
      kl = q[j] === 0 ? Infinity : kl + (p[j]! / sp) * Math.log(p[j]! / sp / (q[j]! / sq));
    }
    if (kl < best) [best, bestI] = [kl, i];
  }
  return Math.min(abs.max, bestI * abs.width);
}

describe('entropyRange', () => {
  for (const [name, x] of [
    ['gaussian', gaussian(20_000)],
    ['laplace', laplace(20_000)],
    ['post-relu', relu(20_000)],
  ] as const) {
    it(`symmetric equals the step-by-step published algorithm on ${name} data`, () => {
      const s = snapshotOf(x, 1024);
      const t = referenceThreshold(foldAbs(s), 128);
      const r = entropyRange(s, SYM);
      expect(r.max).toBeCloseTo(Math.min(s.max, t), 12);
      expect(r.min).toBeCloseTo(Math.max(s.min, -t), 12);
    });
  }

  it('clips long tails: well inside MinMax on laplace and student-t data', () => {
    for (const x of [laplace(100_000), studentT(100_000)]) {
      const s = snapshotOf(x);
      const absmax = Math.max(-s.min, s.max);
      const sym = entropyRange(s, SYM);
      expect(sym.max).toBeLessThan(0.9 * absmax);
      const asym = entropyRange(s, ASYM);
      expect(asym.min).toBeGreaterThan(0.95 * s.min);
      expect(asym.max).toBeLessThan(0.95 * s.max);
    }
  });

  it("with onnxruntime's defaults (128 bins for 128 levels) the search has nothing to try", () => {
    // The histogram of |x| then has at most 128 bins, so the only threshold is the maximum.
    const s = snapshotOf(laplace(100_000), 128);
    const r = entropyRange(s, SYM);
    expect(Math.max(-r.min, r.max)).toBe(Math.max(-s.min, s.max));
  });

  it('the asymmetric variant moves both ends on two-sided long tails', () => {
    const s = snapshotOf(studentT(100_000, 1));
    const r = entropyRange(s, ASYM);
    expect(r.min).toBeGreaterThan(s.min);
    expect(r.max).toBeLessThan(s.max);
    expect(r.min).toBeLessThan(0);
    expect(r.max).toBeGreaterThan(0);
  });

  it('one-sided data keeps its lower end at the minimum', () => {
    const s = snapshotOf(relu(50_000));
    expect(entropyRange(s, ASYM).min).toBe(0);
  });

  it('strictly positive data does not collapse onto its smallest values (asymmetric)', () => {
    // A LayerNorm variance: all values in [0.15, 2.7], most near the bottom. Windows narrower
    // than the grid's levels fold nearly all the mass into one edge bin and score a KL near 0;
    // they are not candidates, as TensorRT's symmetric search starts at `levels` bins.
    const g = gaussian(50_000, 7);
    const x = g.map((v) => 0.15 + Math.min(2.55, Math.abs(v) * 0.3));
    const s = snapshotOf(x);
    const r = entropyRange(s, ASYM);
    expect(r.max - r.min).toBeGreaterThanOrEqual((s.max - s.min) * (256 / 2048) * 0.99);
    expect(r.max).toBeGreaterThan(0.6);
  });

  it('strictly positive data does not collapse onto its smallest values (symmetric)', () => {
    // A mean of positive values, all in [0.41, 0.5] (the recognizer's ReduceMean.11): the
    // search once picked 0.411, clipping 99.8 % of the values.
    const g = gaussian(50_000, 9);
    const x = g.map((v) => 0.41 + Math.min(0.09, Math.abs(v) * 0.02));
    const s = snapshotOf(x);
    const r = entropyRange(s, SYM);
    const kept = x.filter((v) => v <= r.max).length / x.length;
    expect(kept).toBeGreaterThan(0.99);
  });

  it('constant and empty data give their own range', () => {
    const h = new Histogram();
    expect(entropyRange(h.snapshot(), SYM)).toEqual({ min: 0, max: 0 });
    h.observe(Float32Array.of(-1.5));
    expect(entropyRange(h.snapshot(), ASYM)).toEqual({ min: -1.5, max: -1.5 });
  });
});

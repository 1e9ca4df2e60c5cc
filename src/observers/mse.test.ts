// MSE calibration against the real quantization error on the data: the exhaustive search's
// range must be nearly as good as the best of many clips brute-forced through quantize and
// dequantize, and better than MinMax on long tails.
import { describe, expect, it } from 'vitest';
import { chooseQParams, quantRange, roundHalfEven, type QuantSpec } from '../core/index.js';
import { Histogram, type HistogramSnapshot } from './histogram.js';
import { mseRange } from './mse.js';
import { gaussian, laplace, relu, studentT } from './test-data.js';

const SYM: QuantSpec = { qtype: 'int8', scheme: 'symmetric' };
const ASYM: QuantSpec = { qtype: 'uint8', scheme: 'asymmetric' };

function snapshotOf(x: Float32Array): HistogramSnapshot {
  const h = new Histogram();
  h.observe(x);
  return h.snapshot();
}

/** Sum of squared errors of quantizing x with the params chosen for [min, max]. */
function realError(x: Float32Array, min: number, max: number, spec: QuantSpec): number {
  const { scale, zeroPoint } = chooseQParams(min, max, spec);
  const { qmin, qmax } = quantRange(spec);
  let e = 0;
  for (const v of x) {
    const q = Math.min(qmax, Math.max(qmin, roundHalfEven(v / scale) + zeroPoint));
    e += (v - (q - zeroPoint) * scale) ** 2;
  }
  return e;
}

describe('mseRange (exhaustive)', () => {
  for (const [name, x] of [
    ['laplace', laplace(20_000)],
    ['student-t', studentT(20_000)],
    ['gaussian', gaussian(20_000)],
  ] as const) {
    it(`symmetric: within 3% of the best of 300 clips tried on the ${name} data`, () => {
      const s = snapshotOf(x);
      const r = mseRange(s, SYM);
      const absmax = Math.max(-s.min, s.max);
      let best = Infinity;
      for (let k = 1; k <= 300; k++) {
        const t = (absmax * k) / 300;
        best = Math.min(best, realError(x, -t, t, SYM));
      }
      expect(realError(x, r.min, r.max, SYM)).toBeLessThanOrEqual(best * 1.03);
    });
  }

  it('asymmetric: within 3% of the best of 40 x 40 clip pairs on long-tailed data', () => {
    const x = studentT(10_000, 11).map((v) => v + 0.5);
    const s = snapshotOf(x);
    const r = mseRange(s, ASYM);
    let best = Infinity;
    for (let i = 0; i <= 40; i++) {
      for (let j = 0; j <= 40; j++) {
        best = Math.min(best, realError(x, (s.min * i) / 40, (s.max * j) / 40, ASYM));
      }
    }
    expect(realError(x, r.min, r.max, ASYM)).toBeLessThanOrEqual(best * 1.03);
  });

  it('beats MinMax on long tails and matches it on short ones', () => {
    const x = studentT(50_000);
    const s = snapshotOf(x);
    const r = mseRange(s, SYM);
    expect(realError(x, r.min, r.max, SYM)).toBeLessThan(0.8 * realError(x, s.min, s.max, SYM));
    const u = Float32Array.from({ length: 10_000 }, (_, i) => i / 9999 - 0.5);
    const su = snapshotOf(u);
    const ru = mseRange(su, ASYM);
    expect(ru.min).toBeCloseTo(su.min, 2);
    expect(ru.max).toBeCloseTo(su.max, 2);
  });

  it('one-sided data is only clipped at its far end', () => {
    const s = snapshotOf(relu(20_000));
    expect(mseRange(s, ASYM).min).toBe(0);
    expect(mseRange(s, SYM).min).toBe(0);
  });
});

describe("mseRange ('torch')", () => {
  it('ignores the scheme, as PyTorch runs one search for both', () => {
    const s = snapshotOf(laplace(5_000));
    expect(mseRange(s, SYM, 'torch')).toEqual(mseRange(s, ASYM, 'torch'));
  });

  it('clips the long tail of heavy-tailed data', () => {
    const s = snapshotOf(studentT(50_000));
    const r = mseRange(s, ASYM, 'torch');
    expect(r.max - r.min).toBeLessThan(s.max - s.min);
  });
});

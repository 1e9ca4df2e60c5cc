import { describe, expect, it } from 'vitest';
import { quantMetrics } from './metrics.js';
import { quantize } from './quantize.js';
import { chooseTensorQParams } from './tensor-qparams.js';

function measure(values: number[], qtype: 'int8' | 'uint8', scheme: 'symmetric' | 'asymmetric') {
  const x = Float32Array.from(values);
  const params = chooseTensorQParams(x, [x.length], { qtype, scheme });
  return quantMetrics(x, quantize(x, [x.length], params), [x.length], params);
}

describe('quantMetrics', () => {
  it('an exactly representable tensor has zero error and infinite SQNR', () => {
    const m = measure([0, 1, 2, -3, 127], 'int8', 'symmetric');
    expect(m).toMatchObject({ mse: 0, sqnrDb: Infinity, maxAbsError: 0, cosine: 1 });
    expect(m.clippedFraction).toBe(0);
  });

  it('SQNR is 10 log10(signal / noise) with max error at most half a step', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * 3);
    const m = measure(values, 'int8', 'symmetric');
    const step = 3 / 127;
    expect(m.maxAbsError).toBeLessThanOrEqual(step / 2 + 1e-6);
    // uniform rounding noise has variance step^2 / 12; a sine of amplitude 3 has power 4.5
    expect(m.sqnrDb).toBeGreaterThan(10 * Math.log10(4.5 / ((step * step) / 12)) - 1);
    expect(m.sqnrDb).toBeLessThan(10 * Math.log10(4.5 / ((step * step) / 12)) + 1);
    expect(m.cosine).toBeGreaterThan(0.9999);
  });

  it('one-sided data wastes half the symmetric grid and none of the asymmetric one', () => {
    const relu = Array.from({ length: 512 }, (_, i) => (i / 511) * 6);
    expect(measure(relu, 'int8', 'symmetric').gridUsed).toBeCloseTo(128 / 255, 5);
    expect(measure(relu, 'uint8', 'asymmetric').gridUsed).toBe(1);
    expect(measure(relu, 'uint8', 'asymmetric').sqnrDb).toBeGreaterThan(
      measure(relu, 'int8', 'symmetric').sqnrDb + 5.5,
    );
  });

  it('counts values saturated beyond half a step as clipped', () => {
    const x = Float32Array.of(-1, 0, 1, 5, -7);
    const params = chooseTensorQParams(Float32Array.of(-1, 1), [2], {
      qtype: 'int8',
      scheme: 'symmetric',
    });
    const m = quantMetrics(x, quantize(x, [5], params), [5], params);
    expect(m.clippedFraction).toBeCloseTo(2 / 5, 10);
    expect(m.maxAbsError).toBeCloseTo(7 - 128 / 127, 5);
  });

  it('ignores non-finite values of the original', () => {
    const x = Float32Array.of(1, NaN, -1, Infinity);
    const params = chooseTensorQParams(Float32Array.of(1, -1), [2], {
      qtype: 'int8',
      scheme: 'symmetric',
    });
    const m = quantMetrics(x, quantize(x, [4], params), [4], params);
    expect(m.mse).toBeLessThan(1e-14);
    expect(m.cosine).toBeCloseTo(1, 12);
    expect(m.maxAbsError).toBeLessThan(1e-7);
  });
});

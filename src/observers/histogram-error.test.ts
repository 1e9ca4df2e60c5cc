// The expected error read from a calibration histogram agrees with the error measured on the
// values the histogram was built from, for the shapes activations take, and its clipped
// fraction and grid use follow core's definitions.
import { describe, expect, it } from 'vitest';
import {
  chooseQParams,
  qparamsFromRanges,
  quantMetrics,
  quantRange,
  quantize,
  type QuantSpec,
} from '../core/index.js';
import { HistogramObserver } from './histogram-observer.js';
import { gaussian, laplace, relu } from './test-data.js';
import { histogramError } from './histogram-error.js';

function both(x: Float32Array, spec: QuantSpec, min: number, max: number) {
  const h = new HistogramObserver('histogram');
  h.observe(x);
  const { scale, zeroPoint } = chooseQParams(min, max, spec);
  const expected = histogramError(h.snapshot(), {
    qtype: spec.qtype,
    scale,
    zeroPoint,
    grid: quantRange(spec),
  });
  const params = qparamsFromRanges({ min: Float32Array.of(min), max: Float32Array.of(max) }, spec, {
    kind: 'per-tensor',
  });
  const measured = quantMetrics(x, quantize(x, [x.length], params), [x.length], params);
  return { expected, measured };
}

const ASYM: QuantSpec = { qtype: 'uint8', scheme: 'asymmetric' };
const SYM: QuantSpec = { qtype: 'int8', scheme: 'symmetric' };

describe('histogramError', () => {
  it('matches the measured SQNR within 0.2 dB on gaussian, laplace and post-ReLU data', () => {
    for (const x of [gaussian(100_000, 7), laplace(100_000, 8), relu(100_000, 9)]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of x) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      for (const spec of [ASYM, SYM]) {
        const { expected, measured } = both(x, spec, min, max);
        expect(Math.abs(expected.sqnrDb - measured.sqnrDb)).toBeLessThan(0.2);
        expect(expected.gridUsed).toBeCloseTo(measured.gridUsed, 2);
      }
    }
  });

  it('symmetric over post-ReLU data uses about half the levels asymmetric uses', () => {
    const x = relu(50_000, 3);
    const max = Math.max(...x);
    const asym = both(x, ASYM, 0, max).expected;
    const sym = both(x, SYM, 0, max).expected;
    expect(asym.gridUsed).toBeCloseTo(1, 2);
    expect(sym.gridUsed).toBeGreaterThan(0.49);
    expect(sym.gridUsed).toBeLessThan(0.51);
    expect(asym.sqnrDb - sym.sqnrDb).toBeGreaterThan(5.5);
  });

  it('counts what a clipped range saturates as clipped, as core does', () => {
    const x = gaussian(100_000, 11);
    const { expected, measured } = both(x, ASYM, -2, 2);
    // P(|x| > 2 + half a step) for a standard normal is about 4.5%.
    expect(expected.clippedFraction).toBeGreaterThan(0.04);
    expect(Math.abs(expected.clippedFraction - measured.clippedFraction)).toBeLessThan(0.002);
    expect(Math.abs(expected.mse - measured.mse) / measured.mse).toBeLessThan(0.05);
  });

  it('reads constant data as a point mass, exact as measured (float32 arithmetic as core)', () => {
    const x = new Float32Array(100).fill(0.5);
    const { expected, measured } = both(x, ASYM, 0.5, 0.5);
    expect(measured.sqnrDb).toBe(Infinity);
    expect(expected.sqnrDb).toBe(Infinity);
    expect(expected.clippedFraction).toBe(0);
  });
});

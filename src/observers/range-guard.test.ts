// The range guard on synthetic calibration histograms: where a few large outliers carry most of
// a tensor's energy, entropy clips them and min/max replaces its range; on a plain gaussian no
// method's range is replaced; mse, which minimises the error the guard measures, never is.
import { describe, expect, it } from 'vitest';
import type { QuantSpec } from '../core/index.js';
import { HistogramObserver, type HistogramMethod } from './histogram-observer.js';
import { checkRange, RANGE_GUARD_DB } from './range-guard.js';
import { gaussian, laplace, relu, uniform } from './test-data.js';

const SPECS: readonly QuantSpec[] = [
  { qtype: 'uint8', scheme: 'asymmetric' },
  { qtype: 'int8', scheme: 'symmetric' },
];

/**
 * A residual stream: a unit gaussian bulk and, every `every` values, an outlier of magnitude
 * 60 to 72 (one-sided: all positive), which carries most of the energy (80 to 92 % here).
 */
function outlierChannels(n: number, seed: number, every: number, oneSided: boolean): Float32Array {
  const x = gaussian(n, seed);
  const u = uniform(seed + 1);
  for (let i = 0; i < n; i += every) x[i] = (oneSided || u() < 0.5 ? 1 : -1) * (60 + 12 * u());
  return x;
}

/** Where entropy clips the outliers, per spec (it searches each scheme's range differently). */
const CLIPPED: readonly [QuantSpec, Float32Array][] = [
  [SPECS[0]!, outlierChannels(200_000, 5, 300, false)],
  [SPECS[1]!, outlierChannels(200_000, 5, 1000, true)],
];

function check(x: Float32Array, method: HistogramMethod, spec: QuantSpec) {
  const observer = new HistogramObserver(method);
  observer.observe(x);
  return checkRange(observer.snapshot(), observer.range(spec), spec);
}

describe('checkRange', () => {
  it('replaces entropy’s range where outliers carry most of the energy, for both schemes', () => {
    for (const [spec, x] of CLIPPED) {
      const entropy = check(x, 'entropy', spec);
      expect(entropy.replaced).toBe(true);
      expect(entropy.sqnrDb).toBeLessThan(entropy.minmaxSqnrDb - 2 * RANGE_GUARD_DB);
      // Percentile (99.99th) keeps the outliers, so its range stands.
      expect(check(x, 'percentile', spec).replaced).toBe(false);
    }
  });

  it('replaces nothing on a plain gaussian or laplace tensor', () => {
    for (const x of [gaussian(100_000, 7), laplace(100_000, 8)]) {
      for (const spec of SPECS) {
        for (const method of ['percentile', 'entropy', 'mse'] as const) {
          const c = check(x, method, spec);
          expect(c.replaced, `${method} ${spec.scheme}`).toBe(false);
        }
      }
    }
  });

  it('never replaces mse’s range: it is at least as good as min/max by the same measure', () => {
    for (const x of [...CLIPPED.map(([, x]) => x), laplace(100_000, 12)]) {
      for (const spec of SPECS) {
        const mse = check(x, 'mse', spec);
        expect(mse.replaced).toBe(false);
        expect(mse.sqnrDb).toBeGreaterThan(mse.minmaxSqnrDb - 0.5);
      }
    }
  });

  it('replaces entropy’s tail cut on post-ReLU gaussian data, not percentile’s or mse’s range', () => {
    const x = relu(100_000, 9);
    for (const spec of SPECS) {
      expect(check(x, 'entropy', spec).replaced).toBe(true);
      expect(check(x, 'percentile', spec).replaced).toBe(false);
      expect(check(x, 'mse', spec).replaced).toBe(false);
    }
  });

  it('keeps a constant tensor’s range: there is nothing to choose', () => {
    const c = check(new Float32Array(100).fill(3), 'entropy', SPECS[0]!);
    expect(c.replaced).toBe(false);
  });
});

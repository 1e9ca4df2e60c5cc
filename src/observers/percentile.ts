// Percentile calibration: clip the range at a percentile of the histogram (99.99 by default).
// Asymmetric ranges clip each tail at (100 - p)% and p%; symmetric ones clip |x| at p%, as
// onnxruntime's percentile calibrator does. Reads a snapshot; holds no state of its own.
import { fail, type QuantSpec } from '../core/index.js';
import { absQuantile, isDegenerate, quantile } from './binned.js';
import type { HistogramSnapshot } from './histogram.js';
import type { TensorRange } from './observer.js';

/** The default percentile. */
export const DEFAULT_PERCENTILE = 99.99;

/** Fails with `bad-argument` unless p is a percentile in [50, 100]. */
export function checkPercentile(p: number): void {
  if (!(p >= 50 && p <= 100)) fail('bad-argument', `percentile must be in [50, 100], got ${p}`);
}

/** The range whose tails hold (100 - percentile)% of the values each (symmetric: of |x|). */
export function percentileRange(
  s: HistogramSnapshot,
  spec: QuantSpec,
  percentile = DEFAULT_PERCENTILE,
): TensorRange {
  checkPercentile(percentile);
  if (isDegenerate(s)) return { min: s.min, max: s.max };
  const q = percentile / 100;
  if (spec.scheme === 'symmetric') {
    const t = absQuantile(s, q);
    return { min: Math.max(s.min, -t), max: Math.min(s.max, t) };
  }
  return { min: quantile(s, 1 - q), max: quantile(s, q) };
}

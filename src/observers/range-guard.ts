// The range guard: a clipping method's range whose expected error on the calibration histogram
// is clearly worse than the plain min/max range's, for the spec being quantized, is a range that
// destroys signal (outlier channels of a residual stream carry most of its energy), so min/max
// replaces it. Judges one histogram under one spec; not which tensors are read (ptq/).
import { chooseQParams, quantRange, type QuantSpec } from '../core/index.js';
import { isDegenerate } from './binned.js';
import type { HistogramSnapshot } from './histogram.js';
import { histogramError } from './histogram-error.js';
import type { TensorRange } from './observer.js';

/**
 * How far (dB) a clipped range's expected SQNR may fall below min/max's before min/max replaces
 * it: 6 dB is one bit; trimming a tail to refine the grid never costs a bit on the values seen.
 */
export const RANGE_GUARD_DB = 6;

/** The expected SQNR (dB) of quantizing the values of `s` over `range` with `spec`. */
export function rangeSqnr(s: HistogramSnapshot, range: TensorRange, spec: QuantSpec): number {
  const { scale, zeroPoint } = chooseQParams(range.min, range.max, spec);
  return histogramError(s, { qtype: spec.qtype, scale, zeroPoint, grid: quantRange(spec) }).sqnrDb;
}

/** True when a range of `sqnrDb` is clearly worse than min/max's `minmaxSqnrDb` (see above). */
export function clipsDestructively(sqnrDb: number, minmaxSqnrDb: number): boolean {
  return sqnrDb < minmaxSqnrDb - RANGE_GUARD_DB;
}

/** What the guard found for one range: both SQNRs and whether min/max replaces it. */
export interface RangeCheck {
  readonly sqnrDb: number;
  readonly minmaxSqnrDb: number;
  readonly replaced: boolean;
}

/** Checks `range` (chosen from `s` for `spec`) against `s`'s exact min/max. */
export function checkRange(s: HistogramSnapshot, range: TensorRange, spec: QuantSpec): RangeCheck {
  // No values, or all equal: every method reads the same range, there is nothing to replace.
  if (isDegenerate(s)) return { sqnrDb: Infinity, minmaxSqnrDb: Infinity, replaced: false };
  const sqnrDb = rangeSqnr(s, range, spec);
  const minmaxSqnrDb = rangeSqnr(s, { min: s.min, max: s.max }, spec);
  return { sqnrDb, minmaxSqnrDb, replaced: clipsDestructively(sqnrDb, minmaxSqnrDb) };
}

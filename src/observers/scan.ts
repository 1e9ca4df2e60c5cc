// One pass over a float32 batch: the min and max of its finite values, per tensor or per
// channel, and how many values were finite, NaN or infinite. The hot loop of every observer.
// Not an observer itself: minmax, ema and histogram build their state from these scans.
// Whole tensors go through kernels/' WebAssembly SIMD scan when present; these loops are its
// reference (tested bit for bit) and the fallback.
import { fail, layoutOf } from '../core/index.js';
import { minmaxFast } from '../kernels/index.js';
import type { ValueCounts } from './observer.js';

/** Min and max of the finite values of a run (+Inf / -Inf when none is finite), with counts. */
export interface Scan extends ValueCounts {
  readonly min: number;
  readonly max: number;
}

/**
 * Scans x[start, end) (f32). The fast loop keeps two independent min/max pairs, seeded with
 * the first non-NaN value so that min <= max holds and a new minimum cannot be a new maximum.
 * NaN fails both comparisons and is counted in the rare branch, at no cost when there is none.
 * Infinities reach min or max, which sends the batch through a slower pass that skips them.
 * -0 is reported as +0 (x + 0), so that ranges survive JSON, which has no -0.
 */
export function scan(x: Float32Array, start = 0, end = x.length): Scan {
  if (start === 0 && end === x.length) {
    const fast = minmaxFast(x, undefined, undefined);
    if (fast !== undefined) {
      const { finite, nan, infinite } = fast;
      return { min: fast.min[0]!, max: fast.max[0]!, finite, nan, infinite };
    }
  }
  let i = start;
  while (i < end && x[i] !== x[i]) i++;
  let nan = i - start;
  if (i === end) return { min: Infinity, max: -Infinity, finite: 0, nan, infinite: 0 };
  let a = x[i++]!;
  let b = a;
  let c = a;
  let d = a;
  const pairs = i + ((end - i) & ~1);
  for (; i < pairs; i += 2) {
    const v = x[i]!;
    const w = x[i + 1]!;
    if (v < a) a = v;
    else if (!(v <= b)) {
      if (v > b) b = v;
      else nan++;
    }
    if (w < c) c = w;
    else if (!(w <= d)) {
      if (w > d) d = w;
      else nan++;
    }
  }
  if (i < end) {
    const v = x[i]!;
    if (v < a) a = v;
    else if (!(v <= b)) {
      if (v > b) b = v;
      else nan++;
    }
  }
  const min = Math.min(a, c);
  const max = Math.max(b, d);
  if (min === -Infinity || max === Infinity) return scanSkippingInfinities(x, start, end);
  return { min: min + 0, max: max + 0, finite: end - start - nan, nan, infinite: 0 };
}

/** The slow pass for batches holding +-Inf: classifies every value. */
function scanSkippingInfinities(x: Float32Array, start: number, end: number): Scan {
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let infinite = 0;
  for (let i = start; i < end; i++) {
    const v = x[i]!;
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) infinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min: min + 0, max: max + 0, finite: end - start - nan - infinite, nan, infinite };
}

/** Per-group minima and maxima of one batch (+Inf / -Inf for groups with no finite value). */
export interface GroupScan {
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly counts: ValueCounts;
}

/**
 * Scans x (f32 [shape]) per tensor (`axis` undefined: one group) or per channel along `axis`
 * (one group per index of that axis).
 */
export function scanGroups(
  x: Float32Array,
  shape: readonly number[] | undefined,
  axis: number | undefined,
): GroupScan {
  if (axis === undefined) {
    const s = scan(x);
    return { min: Float64Array.of(s.min), max: Float64Array.of(s.max), counts: s };
  }
  const fast = minmaxFast(x, shape ?? [x.length], axis);
  if (fast !== undefined) {
    const { finite, nan, infinite } = fast;
    return { min: fast.min, max: fast.max, counts: { finite, nan, infinite } };
  }
  const { outer, length, inner } = layoutOf(shape ?? [x.length], { kind: 'per-axis', axis });
  const min = new Float64Array(length).fill(Infinity);
  const max = new Float64Array(length).fill(-Infinity);
  let finite = 0;
  let nan = 0;
  let infinite = 0;
  for (let o = 0; o < outer; o++) {
    for (let ch = 0; ch < length; ch++) {
      const base = (o * length + ch) * inner;
      const s = scan(x, base, base + inner);
      if (s.min < min[ch]!) min[ch] = s.min;
      if (s.max > max[ch]!) max[ch] = s.max;
      finite += s.finite;
      nan += s.nan;
      infinite += s.infinite;
    }
  }
  return { min, max, counts: { finite, nan, infinite } };
}

/**
 * The GroupScan of a batch known by its extremes: `finite` values, all finite, in [min, max]
 * (+Inf and -Inf when none). Per tensor only: `axis` must be undefined.
 */
export function extremesScan(
  axis: number | undefined,
  min: number,
  max: number,
  finite: number,
): GroupScan {
  if (axis !== undefined) fail('bad-argument', 'extremes describe a whole tensor, not an axis');
  return {
    min: Float64Array.of(min),
    max: Float64Array.of(max),
    counts: { finite, nan: 0, infinite: 0 },
  };
}

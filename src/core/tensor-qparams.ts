// Parameters for a whole tensor at a granularity: per-group ranges of the data, and the
// scale/zero-point arrays chosen from them. Not the element loops: see quantize.ts.
import { fail } from './errors.js';
import { forEachRun, layoutOf, type Granularity } from './granularity.js';
import { chooseQParams, quantRange, type QuantSpec } from './qparams.js';
import type { QType } from './qtypes.js';

/** Scales and zero points of one tensor: one pair per group of `granularity`. */
export interface QParams {
  readonly qtype: QType;
  readonly granularity: Granularity;
  /** f32 [groups], row-major over paramShape(shape, granularity). */
  readonly scale: Float32Array;
  /** int [groups], same layout as `scale`. */
  readonly zeroPoint: Int32Array;
  /** The integer levels the scales were chosen for (narrowed or reduced as the spec asked). */
  readonly grid: { readonly qmin: number; readonly qmax: number };
}

/** Per-group real ranges; a group containing NaN has NaN bounds, one containing Inf has Inf. */
export interface Ranges {
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/** Min and max of each parameter group of `x` (f32 [shape]). Empty groups get [0, 0]. */
export function rangesOf(
  x: Float32Array,
  shape: readonly number[],
  granularity: Granularity,
): Ranges {
  const layout = layoutOf(shape, granularity);
  if (layout.outer * layout.length * layout.inner !== x.length) {
    fail('bad-shape', `tensor has ${x.length} values but shape [${shape.join(', ')}]`);
  }
  const min = new Float32Array(layout.groups).fill(Infinity);
  const max = new Float32Array(layout.groups).fill(-Infinity);
  forEachRun(layout, granularity, (start, count, group, groupStride) => {
    let g = group;
    for (let i = start; i < start + count; i++, g += groupStride) {
      const v = x[i] as number;
      if (v !== v) {
        min[g] = NaN;
        max[g] = NaN;
      } else {
        if (v < (min[g] as number)) min[g] = v;
        if (v > (max[g] as number)) max[g] = v;
      }
    }
  });
  for (let g = 0; g < layout.groups; g++) {
    if (min[g] === Infinity && max[g] === -Infinity) min[g] = max[g] = 0;
  }
  return { min, max };
}

/** Scale and zero point for every group's range under `spec`. Throws `bad-range` on NaN/Inf. */
export function qparamsFromRanges(
  ranges: Ranges,
  spec: QuantSpec,
  granularity: Granularity,
): QParams {
  const groups = ranges.min.length;
  const scale = new Float32Array(groups);
  const zeroPoint = new Int32Array(groups);
  for (let g = 0; g < groups; g++) {
    const lo = ranges.min[g] as number;
    const hi = ranges.max[g] as number;
    try {
      const p = chooseQParams(lo, hi, spec);
      scale[g] = p.scale;
      zeroPoint[g] = p.zeroPoint;
    } catch (error) {
      if (groups === 1) throw error;
      fail('bad-range', `group ${g} has range [${lo}, ${hi}]; clean NaN/Inf from the data first`);
    }
  }
  return { qtype: spec.qtype, granularity, scale, zeroPoint, grid: quantRange(spec) };
}

/** Min/max parameters of `x` under `spec` at `granularity` (default per-tensor). */
export function chooseTensorQParams(
  x: Float32Array,
  shape: readonly number[],
  spec: QuantSpec,
  granularity: Granularity = { kind: 'per-tensor' },
): QParams {
  return qparamsFromRanges(rangesOf(x, shape, granularity), spec, granularity);
}

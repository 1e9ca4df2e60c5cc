// Error metrics of one quantization: how far the dequantized tensor is from the original and
// how much of the integer grid the data occupies. Not a report: numbers only.
import { forEachRun, layoutOf } from './granularity.js';
import { QTYPES } from './qtypes.js';
import type { QParams } from './tensor-qparams.js';

/** Error of a quantization, over the finite elements of the original tensor. */
export interface QuantMetrics {
  /** Mean squared error. */
  readonly mse: number;
  /** Signal-to-quantization-noise ratio, 10 log10(sum x^2 / sum (x - x')^2); Infinity if exact. */
  readonly sqnrDb: number;
  readonly maxAbsError: number;
  /** Cosine similarity of x and x' (1 when both are all zeros). */
  readonly cosine: number;
  /** Fraction of elements saturated at qmin or qmax with error above half a step. */
  readonly clippedFraction: number;
  /**
   * Fraction of the grid's levels that the data spans, (max q - min q + 1) / levels,
   * averaged over groups: one-sided data on a symmetric grid uses about half.
   */
  readonly gridUsed: number;
}

/** Metrics of x (f32 [shape]) against its quantization q under `params`. */
export function quantMetrics(
  x: Float32Array,
  q: ArrayLike<number>,
  shape: readonly number[],
  params: QParams,
): QuantMetrics {
  const { qmin, qmax } = QTYPES[params.qtype];
  const layout = layoutOf(shape, params.granularity);
  const usedMin = new Float64Array(layout.groups).fill(Infinity);
  const usedMax = new Float64Array(layout.groups).fill(-Infinity);
  let n = 0;
  let signal = 0;
  let noise = 0;
  let dot = 0;
  let approx = 0;
  let maxAbs = 0;
  let clipped = 0;
  forEachRun(layout, params.granularity, (start, count, g, step) => {
    let group = g;
    for (let i = start; i < start + count; i++, group += step) {
      const v = x[i] as number;
      if (!Number.isFinite(v)) continue;
      const scale = params.scale[group] as number;
      const qi = q[i] as number;
      const r = Math.fround((qi - (params.zeroPoint[group] as number)) * scale);
      const e = Math.abs(v - r);
      n++;
      signal += v * v;
      noise += e * e;
      dot += v * r;
      approx += r * r;
      if (e > maxAbs) maxAbs = e;
      if ((qi === qmin || qi === qmax) && e > scale / 2) clipped++;
      if (qi < (usedMin[group] as number)) usedMin[group] = qi;
      if (qi > (usedMax[group] as number)) usedMax[group] = qi;
    }
  });
  const levels = params.grid.qmax - params.grid.qmin + 1;
  let used = 0;
  let counted = 0;
  for (let g = 0; g < layout.groups; g++) {
    if (usedMax[g] === -Infinity) continue;
    used += ((usedMax[g] as number) - (usedMin[g] as number) + 1) / levels;
    counted++;
  }
  const norms = Math.sqrt(signal) * Math.sqrt(approx);
  return {
    mse: n === 0 ? 0 : noise / n,
    sqnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise),
    maxAbsError: maxAbs,
    cosine: norms === 0 ? (signal === approx ? 1 : 0) : dot / norms,
    clippedFraction: n === 0 ? 0 : clipped / n,
    gridUsed: counted === 0 ? 0 : Math.min(1, used / counted),
  };
}

// A folded Add/Sub of a scalar (plan-folds.ts) reads its source's integers at a shifted zero
// point: the shift is a whole number of grid steps, so the offset is rounded to the grid and the
// reader sees x + offset - residual. This file picks that zero point and, for readers with a
// weight and a bias (Conv, Gemm), the bias change that adds the residual back: exact inside the
// image, off by residual x the padded taps' weights at a padded conv's border. Not the fold.
import { QTYPES, type QType } from '../core/index.js';
import type { Graph } from '../onnx/graph.js';
import { opSpec } from '../onnx/op-specs.js';
import type { QuantPlan } from './plan-types.js';

/** The parameters of the quantized tensor a folded offset reads. */
interface SourceParams {
  readonly qtype: QType;
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * The zero point that reads `source`'s integers `offset` higher at scale `scale` (the source's
 * scale times the fold's factor), rounded to whole steps and kept inside the integer type.
 */
export function shiftedZeroPoint(source: SourceParams, offset: number, scale: number): number {
  const { qmin, qmax } = QTYPES[source.qtype];
  return Math.min(qmax, Math.max(qmin, source.zeroPoint - Math.round(offset / scale)));
}

/**
 * Per reader node (by its key, its first output) with a bias: the amount to subtract from each
 * output channel's bias (bias-correction.ts's convention) so that it adds back the residual its
 * offset input lost to rounding. `paramsOf` gives a quantized tensor's parameters, `scaleOf` a
 * folded tensor's scale.
 */
export function offsetResiduals(
  graph: Graph,
  plan: QuantPlan,
  paramsOf: (tensor: string) => SourceParams | undefined,
  scaleOf: ReadonlyMap<string, number>,
): Map<string, Float64Array> {
  const shifts = new Map<string, Float64Array>();
  for (const s of plan.scaled) {
    const source = paramsOf(s.from);
    const scale = scaleOf.get(s.tensor);
    if (s.offset === 0 || source === undefined || scale === undefined) continue;
    const steps = source.zeroPoint - shiftedZeroPoint(source, s.offset, scale);
    const residual = s.offset - steps * scale;
    if (residual === 0) continue;
    for (const reader of graph.consumers(s.tensor)) {
      const spec = opSpec(reader);
      const bias = spec?.bias;
      if (bias === undefined || reader.input[bias.activation] !== s.tensor) continue;
      if ((reader.input[bias.input] ?? '') === '') continue;
      const w = graph.constantValue(reader.input[bias.weight] ?? '');
      const axis = w && spec?.weight?.axis(reader, w.shape.length);
      if (w?.dtype !== 'float32' || axis === undefined) continue;
      const sums = channelSums(w.data, w.shape, axis);
      const key = reader.output[0] ?? '';
      const shift = shifts.get(key) ?? new Float64Array(sums.length);
      for (let c = 0; c < sums.length; c++) shift[c]! -= residual * sums[c]!;
      shifts.set(key, shift);
    }
  }
  return shifts;
}

/** w: float32 of `shape` -> the sum over every index but `axis`, per entry of `axis`. */
function channelSums(w: Float32Array, shape: readonly number[], axis: number): Float64Array {
  const channels = shape[axis] ?? 1;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const sums = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) sums[Math.floor(i / inner) % channels]! += w[i]!;
  return sums;
}

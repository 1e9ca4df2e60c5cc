// Integer storage for the constant inputs of quantized nodes: weights as int8 symmetric per
// channel (or per tensor), biases as int32 at scale = input scale x weight scale with zero
// point 0 (the form QLinearConv and QGemm take), and other constants (Add's scalar) quantized
// with their own range; each behind a DequantizeLinear. Not activations (insert-qdq.ts).
import {
  chooseQParams,
  chooseTensorQParams,
  fail,
  roundHalfEven,
  type QParams,
  type QType,
  type Scheme,
} from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import type { DType } from '../onnx/dtypes.js';
import { attr, makeNode } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import type { ConstantInput } from './plan-types.js';
import { addScale, addZeroPoint, qdqName } from './qdq-names.js';

/** Integer data and parameters of one tensor to store behind a DequantizeLinear. */
interface Stored {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  readonly scale: Float32Array;
  readonly zeroPoint: ArrayLike<number>;
  readonly axis?: number;
}

/**
 * Adds `base`_q, _scale, _zp and a DequantizeLinear; returns its output name (`base`_dq).
 * An int32 (bias) zero point of all zeros is left out, as DequantizeLinear-13 allows (it
 * defaults to 0), saving 4 bytes per channel; 8-bit ones stay, since onnxruntime's QGemm fusion
 * moves a weight DequantizeLinear's inputs by position and needs all three.
 */
export function storeDequantized(graph: Graph, base: string, stored: Stored): string {
  const quantized = qdqName(graph, base, 'quantized');
  const perAxis = stored.axis !== undefined;
  const hasZeroPoint =
    stored.dtype !== 'int32' || Array.from(stored.zeroPoint).some((z) => z !== 0);
  const { dtype, shape, data } = stored;
  graph.addInitializer(tensorToProto({ name: quantized, dtype, shape, data }));
  const scale = addScale(graph, stored.scale, perAxis);
  const zeroPoint = hasZeroPoint ? [addZeroPoint(graph, dtype, stored.zeroPoint, perAxis)] : [];
  const output = qdqName(graph, base, 'dequantized');
  // Operators.md, DequantizeLinear-13: `axis` selects the per-axis dimension of a 1-D scale.
  const attributes = perAxis ? [attr.int('axis', stored.axis)] : [];
  graph.addNode(
    makeNode({
      opType: 'DequantizeLinear',
      inputs: [quantized, scale, ...zeroPoint],
      outputs: [output],
      attributes,
    }),
  );
  return output;
}

function floatValues(graph: Graph, entry: ConstantInput): { data: Float32Array; shape: number[] } {
  const value = graph.constantValue(entry.tensor);
  if (value?.dtype !== 'float32') {
    fail('bad-model', `'${entry.tensor}' is not a float32 constant`, { tensor: entry.tensor });
  }
  return { data: value.data, shape: value.shape };
}

/** Weight params by `${tensor}@${axis}`, so a weight read twice is stored once. */
export type WeightCache = Map<string, { output: string; params: QParams }>;

/**
 * Stores a weight as int8 symmetric (narrow range, zero point 0); returns its DQ and params.
 * `minScale` (per channel, or one value) raises scales so that a bias stays within int32;
 * `scale` (learned by qat/, one per group) replaces the scales chosen from the weight's range.
 */
export function storeWeight(
  graph: Graph,
  entry: ConstantInput,
  cache: WeightCache,
  minScale?: ArrayLike<number>,
  scale?: Float32Array,
): { output: string; params: QParams } {
  const key = `${entry.tensor}@${entry.axis ?? ''}`;
  const cached = cache.get(key);
  if (cached !== undefined && minScale === undefined) return cached;
  const { data, shape } = floatValues(graph, entry);
  const granularity =
    entry.axis === undefined
      ? ({ kind: 'per-tensor' } as const)
      : ({ kind: 'per-axis', axis: entry.axis } as const);
  const params = chooseTensorQParams(
    data,
    shape,
    { qtype: 'int8', scheme: 'symmetric' },
    granularity,
  );
  if (scale !== undefined) {
    if (scale.length !== params.scale.length) {
      fail(
        'bad-argument',
        `'${entry.tensor}' has ${params.scale.length} scales, given ${scale.length}`,
        {
          tensor: entry.tensor,
        },
      );
    }
    params.scale.set(scale);
  }
  if (minScale !== undefined) {
    params.scale.forEach((s, c) => {
      params.scale[c] = Math.max(s, Math.fround(minScale[minScale.length === 1 ? 0 : c]!));
    });
  }
  const stored = { dtype: 'int8' as const, shape, data: quantizeFast(data, shape, params) };
  const axis = entry.axis === undefined ? {} : { axis: entry.axis };
  const output = storeDequantized(graph, entry.tensor, {
    ...stored,
    scale: params.scale,
    zeroPoint: params.zeroPoint,
    ...axis,
  });
  const result = { output, params };
  if (minScale === undefined) cache.set(key, result);
  return result;
}

// Half the int32 range: the bias stays representable with room for rounding.
const BIAS_LIMIT = 2 ** 30;

/**
 * The smallest weight scale per channel (one value when `perTensor`) at which `bias` quantized
 * at inputScale x weightScale fits in int32: onnxruntime's quantizer raises weight scales the
 * same way, since a near-zero weight channel with a real bias would otherwise saturate.
 */
export function biasMinScale(
  graph: Graph,
  bias: ConstantInput,
  inputScale: number,
  perTensor: boolean,
): number[] | undefined {
  const { data } = floatValues(graph, bias);
  const need = Array.from(data, (b) => Math.abs(b) / (inputScale * BIAS_LIMIT));
  if (need.every((v) => v === 0)) return undefined;
  return perTensor ? [Math.max(...need)] : need;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Stores a bias as int32 with scale[c] = inputScale x weightScale[c] (float32) and zero point 0,
 * less `shift[c]` when given (bias correction). Returns the DQ output and how many values
 * saturated at the int32 limits.
 */
export function storeBias(
  graph: Graph,
  entry: ConstantInput,
  inputScale: number,
  weightScale: Float32Array,
  shift?: ArrayLike<number>,
): { output: string; saturated: number } {
  const values = floatValues(graph, entry);
  const { shape } = values;
  const data = shift === undefined ? values.data : values.data.map((b, c) => b - (shift[c] ?? 0));
  const scale = Float32Array.from(weightScale, (w) => Math.fround(inputScale * w));
  let saturated = 0;
  const q = Int32Array.from(data, (b, i) => {
    const s = scale[scale.length === 1 ? 0 : i]!;
    const v = roundHalfEven(Math.fround(b / s));
    if (Math.abs(v) <= INT32_MAX) return v;
    saturated++;
    return v > 0 ? INT32_MAX : -INT32_MAX;
  });
  const zeroPoint = new Int32Array(scale.length);
  const axis = entry.axis === undefined ? {} : { axis: 0 };
  const stored = { dtype: 'int32' as const, shape, data: q, scale, zeroPoint, ...axis };
  return { output: storeDequantized(graph, entry.tensor, stored), saturated };
}

/**
 * Stores a constant activation input (Add's addend) per tensor with its own min/max. Equal small
 * constants (the 3 of every HardSwish pattern) share one stored copy through `cache`.
 */
export function storeConstant(
  graph: Graph,
  entry: ConstantInput,
  qtype: QType,
  scheme: Scheme,
  cache: Map<string, string>,
): string {
  const { data, shape } = floatValues(graph, entry);
  const key =
    data.length <= 64 ? `${qtype} ${scheme} [${shape.join(',')}] ${data.join(',')}` : entry.tensor;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let min = 0;
  let max = 0;
  for (const v of data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const { scale, zeroPoint } = chooseQParams(min, max, { qtype, scheme });
  const params: QParams = {
    qtype,
    granularity: { kind: 'per-tensor' },
    scale: Float32Array.of(scale),
    zeroPoint: Int32Array.of(zeroPoint),
    grid: { qmin: 0, qmax: 0 },
  };
  const q = quantizeFast(data, shape, params);
  const output = storeDequantized(graph, entry.tensor, {
    dtype: qtype,
    shape,
    data: q,
    scale: params.scale,
    zeroPoint: params.zeroPoint,
  });
  cache.set(key, output);
  return output;
}

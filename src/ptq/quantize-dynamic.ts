// The dynamic recipe: weights quantized ahead, activations at run time from their own min/max
// (DynamicQuantizeLinear), so it needs no calibration data. MatMul/Gemm -> MatMulInteger with
// per-channel int8 weights; Conv weights int8 per channel, read by the float Conv through
// Cast -> Mul or a DequantizeLinear (or Conv as ConvInteger, or left float: `conv`); Gather on
// an embedding table -> per-row int8. Model bytes in, model bytes and a report out; no file system.
import type { NarrowReport } from '../passes/float16-narrow.js';
import { restoreFloat16, widenForQuantization } from './float16-model.js';
import { nodeLabel } from '../onnx/graph-node.js';
import {
  buildGraph,
  defaultOpset,
  externalByteCount,
  readModel,
  setMetadata,
  type Graph,
  type TensorStore,
  upgradeOpset,
  verifyGraph,
  writeModel,
} from '../onnx/index.js';
import { dynamicConv } from '../passes/dynamic-conv.js';
import { quantizeConvWeights } from '../passes/dynamic-conv-weights.js';
import { findConvTargets } from '../passes/dynamic-conv-targets.js';
import { dynamicGather } from '../passes/dynamic-gather.js';
import {
  dynamicMatMul,
  type DynamicEntry,
  type DynamicWeightType,
} from '../passes/dynamic-matmul.js';
import type { DynamicCache } from '../passes/dynamic-steps.js';
import { findWeightTargets, type SkippedNode } from '../passes/weight-only-targets.js';

/**
 * What becomes of Conv: int8 weights per output channel read by the float Conv through
 * 'cast-mul' (Cast -> Mul, folded back to float by onnxruntime at load) or 'dequantize'
 * (DequantizeLinear, axis 0), 'integer' (DynamicQuantizeLinear -> ConvInteger, uint8 x uint8),
 * or 'float' (weights left as they are).
 */
export type DynamicConvForm = 'float' | 'cast-mul' | 'dequantize' | 'integer';

/** Options of runDynamicRecipe; the defaults are the measured choices (bench/dynamic.ts). */
export interface DynamicOptions {
  /** Conv's form (default: cast-mul, int8 weights and fp32's latency in onnxruntime). */
  readonly conv?: DynamicConvForm;
  /** MatMul weight type: int8 (default; u8 x s8) or uint8 (zero point 128). */
  readonly weightType?: DynamicWeightType;
}

/** The measured defaults. */
export const DYNAMIC_DEFAULTS: Readonly<Required<DynamicOptions>> = Object.freeze({
  conv: 'cast-mul',
  weightType: 'int8',
});

/** What runDynamicRecipe did, for the CLI's table and `--json`. */
export interface DynamicReport {
  readonly mode: 'dynamic';
  readonly conv: DynamicConvForm;
  readonly weightType: DynamicWeightType;
  readonly opset: { readonly from: number; readonly to: number };
  readonly nodes: readonly DynamicEntry[];
  /** Nodes left in float, and why. */
  readonly skipped: readonly SkippedNode[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** For a float16 model: how the quantized graph was narrowed back to float16. */
  readonly float16?: NarrowReport;
}

/** The first opset with DynamicQuantizeLinear; older models are upgraded to 13. */
const DYNAMIC_OPSET = 11;
/** The first opset whose DequantizeLinear takes `axis` (conv 'dequantize'). */
const PER_AXIS_DQ_OPSET = 13;

/**
 * Dynamically quantizes `modelBytes`: no calibration data needed. With a `store`, external
 * weights stream through it as in runWeightsRecipe, and `bytes` is the model's inline part.
 */
export function runDynamicRecipe(
  modelBytes: Uint8Array,
  options: DynamicOptions = {},
  store?: TensorStore,
): { bytes: Uint8Array; report: DynamicReport } {
  const conv = options.conv ?? DYNAMIC_DEFAULTS.conv;
  const weightType = options.weightType ?? DYNAMIC_DEFAULTS.weightType;
  const model = readModel(modelBytes);
  const bytesIn = modelBytes.length + externalByteCount(model);
  const from = defaultOpset(model);
  // A float16 model is quantized as float32 and narrowed back (float16-model.ts).
  const float16 = store === undefined ? widenForQuantization(model) : undefined;
  const floor = conv === 'dequantize' ? PER_AXIS_DQ_OPSET : DYNAMIC_OPSET;
  if (defaultOpset(model) < floor) upgradeOpset(model);
  const graph = buildGraph(model, store);
  const cache: DynamicCache = new Map();
  const { targets, skipped } = findWeightTargets(graph);
  const nodes = dynamicMatMul(graph, targets, cache, weightType);
  const gather = dynamicGather(graph);
  nodes.push(...gather.done);
  skipped.push(...gather.skipped);
  const convs =
    conv === 'integer'
      ? dynamicConv(graph, cache)
      : conv === 'dequantize' || conv === 'cast-mul'
        ? quantizeConvWeights(graph, conv)
        : keepConvFloat(graph);
  nodes.push(...convs.done);
  skipped.push(...convs.skipped);
  const narrowed = float16 === undefined ? undefined : restoreFloat16(graph);
  verifyGraph(graph);
  setMetadata(model, 'zeropoint.dynamic', JSON.stringify({ conv, weightType }));
  store?.finish(model);
  const bytes = writeModel(model);
  const report: DynamicReport = {
    mode: 'dynamic',
    conv,
    weightType,
    opset: { from, to: defaultOpset(model) },
    nodes,
    skipped,
    bytesIn,
    bytesOut: bytes.length + (store?.bytesWritten ?? 0),
    ...(narrowed === undefined ? {} : { float16: narrowed }),
  };
  return { bytes, report };
}

/** conv 'float': every Conv is left alone, and the report says so. */
function keepConvFloat(graph: Graph): { done: DynamicEntry[]; skipped: SkippedNode[] } {
  const { targets, skipped } = findConvTargets(graph);
  const kept = targets.map((t) => ({
    node: nodeLabel(t.node),
    opType: 'Conv',
    reason: 'asked for: conv float',
  }));
  return { done: [], skipped: [...skipped, ...kept] };
}

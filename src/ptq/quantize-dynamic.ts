// The dynamic recipe: weights quantized ahead, activations at run time from their own min/max
// (DynamicQuantizeLinear), so it needs no calibration data. MatMul/Gemm -> MatMulInteger with
// per-channel int8 weights; Conv stays float unless asked (measured faster here); Gather on an
// embedding table -> per-row int8. Model bytes in, model bytes and a report out; no file system.
import {
  buildGraph,
  defaultOpset,
  readModel,
  upgradeOpset,
  verifyGraph,
  writeModel,
} from '../onnx/index.js';
import { dynamicConv } from '../passes/dynamic-conv.js';
import { dynamicGather } from '../passes/dynamic-gather.js';
import {
  dynamicMatMul,
  type DynamicEntry,
  type DynamicWeightType,
} from '../passes/dynamic-matmul.js';
import type { DynamicCache } from '../passes/dynamic-steps.js';
import { findWeightTargets, type SkippedNode } from '../passes/weight-only-targets.js';
import { setMetadata } from './quantize-weights.js';

/** Options of quantizeDynamic; the defaults are the measured choices (bench/weights.ts). */
export interface DynamicOptions {
  /** Conv as ConvInteger (uint8 x uint8) or left in float (default: float, measured faster). */
  readonly conv?: 'float' | 'integer';
  /** MatMul weight type: int8 (default; u8 x s8) or uint8 (zero point 128). */
  readonly weightType?: DynamicWeightType;
}

/** The measured defaults. */
export const DYNAMIC_DEFAULTS: Readonly<Required<DynamicOptions>> = Object.freeze({
  conv: 'float',
  weightType: 'int8',
});

/** What quantizeDynamic did, for the CLI's table and `--json`. */
export interface DynamicReport {
  readonly mode: 'dynamic';
  readonly conv: 'float' | 'integer';
  readonly weightType: DynamicWeightType;
  readonly opset: { readonly from: number; readonly to: number };
  readonly nodes: readonly DynamicEntry[];
  /** Nodes left in float, and why. */
  readonly skipped: readonly SkippedNode[];
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** The first opset with DynamicQuantizeLinear; older models are upgraded to 13. */
const DYNAMIC_OPSET = 11;

/** Dynamically quantizes `modelBytes`: no calibration data needed. */
export function quantizeDynamic(
  modelBytes: Uint8Array,
  options: DynamicOptions = {},
): { bytes: Uint8Array; report: DynamicReport } {
  const conv = options.conv ?? DYNAMIC_DEFAULTS.conv;
  const weightType = options.weightType ?? DYNAMIC_DEFAULTS.weightType;
  const model = readModel(modelBytes);
  const from = defaultOpset(model);
  if (from < DYNAMIC_OPSET) upgradeOpset(model);
  const graph = buildGraph(model);
  const cache: DynamicCache = new Map();
  const { targets, skipped } = findWeightTargets(graph);
  const nodes = dynamicMatMul(graph, targets, cache, weightType);
  const gather = dynamicGather(graph);
  nodes.push(...gather.done);
  skipped.push(...gather.skipped);
  if (conv === 'integer') {
    const convs = dynamicConv(graph, cache);
    nodes.push(...convs.done);
    skipped.push(...convs.skipped);
  }
  verifyGraph(graph);
  setMetadata(model, 'zeropoint.dynamic', JSON.stringify({ conv, weightType }));
  const bytes = writeModel(model);
  const report: DynamicReport = {
    mode: 'dynamic',
    conv,
    weightType,
    opset: { from, to: defaultOpset(model) },
    nodes,
    skipped,
    bytesIn: modelBytes.length,
    bytesOut: bytes.length,
  };
  return { bytes, report };
}

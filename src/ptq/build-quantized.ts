// The one builder every static recipe ends in: prepared float model bytes + plan options +
// calibrated statistics -> verified QDQ bytes. runStaticRecipe, the advisor's comparisons, its
// one-layer sensitivity variants and the accuracy search all call it, so a trial is exactly the
// model `zeropoint quantize` would write. Not preparing (prepareModel) nor calibrating.
import { fail } from '../core/index.js';
import {
  buildGraph,
  defaultOpset,
  readModel,
  tensorToProto,
  upgradeOpset,
  verifyGraph,
  writeModel,
  type Graph,
} from '../onnx/index.js';
import type { ModelProto, NodeProto } from '../onnx/gen/onnx_pb.js';
import {
  activationQuant,
  insertQdq,
  guardExcluded,
  moveOnIntegers,
  padInputChannels,
  padQuantizedDepthwise,
  planQuantization,
  readFloatInputs,
  requiredOpset,
  type ChannelPad,
  type InputChannelPad,
  type InsertReport,
  type LearnedParams,
  type PlanOptions,
  type QuantPlan,
  type Upsample,
  upsampleOnIntegers,
} from '../passes/index.js';
import type { ObserverKind, TensorRange } from '../observers/index.js';
import type { NarrowReport } from '../passes/float16-narrow.js';
import type { CalibrationResult } from './calibration-result.js';
import { restoreFloat16 } from './float16-model.js';
import {
  nearOutputs,
  staticRanges,
  type RangeFallback,
  type StaticRangeOptions,
} from './output-ranges.js';

/**
 * Where a build reads activation ranges: calibrated statistics read by a method, with the
 * reading options of staticRanges (per-tensor methods, the range guard, percentile/search).
 */
export interface RangeSource extends Pick<
  StaticRangeOptions,
  'methods' | 'rangeGuard' | 'reading'
> {
  readonly calibration: CalibrationResult;
  /** The method every tensor's range is read with (unless `methods` names another). */
  readonly method: ObserverKind;
}

/** A quantized model and what made it. */
export interface BuiltModel {
  readonly bytes: Uint8Array;
  readonly plan: QuantPlan;
  readonly insert: InsertReport;
  /** The activation ranges the QDQ parameters were chosen from, by calibrated tensor. */
  readonly ranges: ReadonlyMap<string, TensorRange>;
  /** Tensors whose clipped range the range guard replaced by min/max (output-ranges.ts). */
  readonly fallbacks: readonly RangeFallback[];
  /** Depthwise convs padded to the kernel's channel multiple, or left alone and why. */
  readonly pads: readonly ChannelPad[];
  /** Exact integer rewrites done on the QDQ graph (PlanOptions.integerRewrites). */
  readonly rewrites: {
    readonly upsamples: readonly Upsample[];
    readonly inputPads: readonly InputChannelPad[];
    /** DepthToSpace/SpaceToDepth run on the 8-bit integers (integer-movement.ts), by name. */
    readonly moved: readonly string[];
  };
  /**
   * Excluded nodes given a guard so that onnxruntime runs them in float rather than fusing
   * them with their quantized neighbours (float-guard.ts), by label.
   */
  readonly floatGuards: readonly string[];
  /** For a float16 model (widened by prepareModel): how the result was narrowed back. */
  readonly float16?: NarrowReport;
}

/**
 * Fine-tuned values a build writes instead of its own choices (qat/): float weights and biases
 * by name (replacing those of the padded float graph prepareBuild returns), learned scales.
 */
export interface LearnedValues extends LearnedParams {
  readonly values?: ReadonlyMap<string, Float32Array>;
}

/**
 * The float graph the builder quantizes: `prepared` read, its opset raised when 16-bit types
 * need it, quantized depthwise convs padded (pad-depthwise.ts). QAT trains on its weights.
 */
export function prepareBuild(
  prepared: Uint8Array,
  options: PlanOptions,
): { model: ModelProto; graph: Graph; pads: readonly ChannelPad[] } {
  const model = readModel(prepared);
  const opset = requiredOpset(options);
  if (defaultOpset(model) < opset) upgradeOpset(model, opset);
  const graph = buildGraph(model);
  // After calibration, so every tensor keeps the range it was calibrated with: the new channels
  // hold constants that zero weights drop, and the integer computation is the unpadded one.
  const pads = padQuantizedDepthwise(graph, options);
  return { model, graph, pads };
}

function replaceValues(graph: Graph, values: ReadonlyMap<string, Float32Array>): void {
  for (const [name, data] of values) {
    const old = graph.constantValue(name);
    if (graph.initializer(name) === undefined || old?.dtype !== 'float32') {
      fail('bad-argument', `learned value '${name}' is not a float32 initializer`, {
        tensor: name,
      });
    }
    if (old.data.length !== data.length) {
      fail(
        'bad-shape',
        `learned value '${name}' has ${data.length} values, expected ${old.data.length}`,
        {
          tensor: name,
        },
      );
    }
    graph.removeInitializer(name);
    graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape: old.shape, data }));
  }
}

/**
 * For an fp16 model: Q/DQ and the nodes between them stay float32. onnxruntime CPU fuses QDQ
 * groups whatever their float type into kernels that take float32 scales only (a float16
 * QLinearConcat fails to load) and runs unfused float16 Q/DQ 50-70x slower (bench transformers).
 */
function integerGroups(graph: Graph, plan: QuantPlan): (node: NodeProto) => string | undefined {
  const integer = new Set(
    plan.nodes
      .filter((d) => d.status === 'quantized' || d.status === 'shares-scale')
      .map((d) => graph.producer(d.node)),
  );
  return (node) =>
    node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear' || integer.has(node)
      ? 'in a QDQ group: onnxruntime fuses float32 QDQ groups only'
      : undefined;
}

/**
 * Quantizes `prepared` (bytes from prepareModel, not modified) under `options`, reading ranges
 * from `source` (logits and ranges the guard rejects keep their full range, see
 * output-ranges.ts) and bias-correction means from its calibration; pads quantized depthwise
 * convs (pad-depthwise.ts); rewrites nearest upsamples, 3-channel convs' input and DepthToSpace
 * into exact faster integer forms (integer-upsample.ts, pad-input-channels.ts,
 * integer-movement.ts); upgrades the opset only
 * when 16-bit types need it; verifies the graph.
 * `learned` (qat/) replaces weights, biases and the parameters it names.
 */
export function buildQuantized(
  prepared: Uint8Array,
  options: PlanOptions,
  source: RangeSource,
  learned: LearnedValues = {},
): BuiltModel {
  const { model, graph, pads } = prepareBuild(prepared, options);
  if (learned.values !== undefined) replaceValues(graph, learned.values);
  const plan = planQuantization(graph, options);
  const { calibration, method, ...reading } = source;
  const { ranges, fallbacks } = staticRanges(calibration, method, activationQuant(options), {
    ...reading,
    near: nearOutputs(graph, plan),
    tensors: plan.calibrate,
  });
  const insert = insertQdq(graph, plan, ranges, calibration.channelMeans(), learned);
  const floatGuards = guardExcluded(graph, [
    ...(options.exclude ?? []),
    ...(options.keptFloat ?? []),
  ]);
  const rewrite = options.integerRewrites !== false;
  const rewrites = {
    upsamples: rewrite ? upsampleOnIntegers(graph) : [],
    inputPads: rewrite ? padInputChannels(graph) : [],
    moved: rewrite ? moveOnIntegers(graph) : [],
  };
  readFloatInputs(graph, options.exclude ?? []);
  const float16 = restoreFloat16(graph, integerGroups(graph, plan));
  verifyGraph(graph);
  const narrowed = float16 === undefined ? {} : { float16 };
  const bytes = writeModel(model);
  return { bytes, plan, insert, ranges, fallbacks, pads, rewrites, floatGuards, ...narrowed };
}

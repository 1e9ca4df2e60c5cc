// The static post-training quantization recipe: prepare the float model (opset upgrade,
// Constant weights to initializers, BatchNorm and per-channel affine folds), plan which nodes
// and tensors are quantized, calibrate the planned activations on real data, then the one
// builder (build-quantized.ts) inserts QDQ and verifies.
// Not I/O: callers hand in model bytes and batches and get model bytes back.
import { fail, isZeropointError } from '../core/index.js';
import type { ObserverKind, ObserverOptions } from '../observers/index.js';
import {
  buildGraph,
  defaultOpset,
  readModel,
  upgradeOpset,
  verifyGraph,
  writeModel,
  type Graph,
  type UpgradeReport,
} from '../onnx/index.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import {
  constantsToInitializers,
  convTransposeAsConv,
  type ConvTransposeRewrite,
  equalizeConvPairs,
  type EqualizeReport,
  foldBatchNorm,
  foldConvAffine,
  planQuantization,
  requiredOpset,
  type ChannelPad,
  type InsertReport,
  type PlanOptions,
  type QuantPlan,
} from '../passes/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import type { Batches, Feeds } from './batches.js';
import { narrowFeeds, widenBatches, widenForQuantization } from './float16-model.js';
import type { WidenReport } from '../passes/float16-widen.js';
import { calibrate } from './calibrate.js';
import type { ObserveHostFactory } from './observe-host.js';
import { checkCalibrationCache } from './calibration-cache.js';
import { buildQuantized, type BuiltModel, type RangeSource } from './build-quantized.js';
import type { CalibrationResult } from './calibration-result.js';
import type { RangeFallback } from './output-ranges.js';
import {
  chooseAlpha,
  collectBatches,
  smoothGraph,
  type SmoothQuantOptions,
  type SmoothReport,
} from './smooth-recipe.js';

/** Options of runStaticRecipe: the plan's, plus how to calibrate. */
export interface StaticOptions extends PlanOptions {
  /** Calibration method (default percentile: 99.99 of each tail, measured best on the PP-OCR models). */
  readonly method?: ObserverKind;
  readonly observerOptions?: ObserverOptions;
  readonly batchSize?: number;
  /** Samples in `batches`, when known, for progress. */
  readonly total?: number;
  readonly threads?: number;
  /** Where calibration's observers run (this thread by default). */
  readonly observeHost?: ObserveHostFactory;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Statistics from an earlier run on the same model; calibration is skipped when given. */
  readonly cache?: CalibrationResult;
  /** false: keep every clipped range as its method chose it (default: the range guard applies). */
  readonly rangeGuard?: boolean;
  /**
   * Exclude lists of variants to be built later from this run's calibration (the integer-op
   * payoff, advise/op-payoff.ts): calibration also covers the tensors their plans need.
   */
  readonly alsoCalibrate?: readonly (readonly string[])[];
  /** Cross-layer equalization of Conv pairs before planning (passes/equalize.ts; data-free). */
  readonly equalize?: boolean;
  /** SmoothQuant before calibration (smooth-recipe.ts); no alpha: chosen on held-out data. */
  readonly smoothQuant?: SmoothQuantOptions;
}

/** What preparing the float model changed. */
export interface PrepareReport {
  readonly upgrade: UpgradeReport | undefined;
  readonly constantsMoved: number;
  readonly foldedNodes: number;
  /** ConvTransposes rewritten as a 1x1 Conv and DepthToSpace (conv-transpose-as-conv.ts). */
  readonly convTransposes?: readonly ConvTransposeRewrite[];
  /** For a float16 model: what was widened to float32 (the result is narrowed back). */
  readonly float16?: WidenReport;
}

/** Everything runStaticRecipe did, for the CLI's table and `--json`. */
export interface StaticResult {
  readonly bytes: Uint8Array;
  readonly plan: QuantPlan;
  readonly prepare: PrepareReport;
  readonly insert: InsertReport;
  /** Tensors whose clipped range the range guard replaced by min/max. */
  readonly fallbacks: readonly RangeFallback[];
  readonly calibration: CalibrationResult;
  /** Wall time of calibration in ms (0 when a cache was used). */
  readonly calibrationMs: number;
  /** Nodes kept float because onnxruntime could not run their quantized form, with its words. */
  readonly keptFloat: readonly { readonly node: string; readonly reason: string }[];
  /** Depthwise convs padded to the kernel's channel multiple, or left alone and why. */
  readonly pads: readonly ChannelPad[];
  /** Exact integer rewrites of the QDQ graph (buildQuantized's, PlanOptions.integerRewrites). */
  readonly rewrites: BuiltModel['rewrites'];
  /** What cross-layer equalization did (with `equalize`). */
  readonly equalize?: EqualizeReport;
  /** What SmoothQuant did, and how alpha was chosen (with `smoothQuant`). */
  readonly smoothQuant?: SmoothReport;
  /** What rebuilds this model with buildQuantized (qat/ writes fine-tuned values through it). */
  readonly build: {
    readonly prepared: Uint8Array;
    /** The options, with keptFloat's nodes in PlanOptions.keptFloat. */
    readonly options: PlanOptions;
    readonly source: RangeSource;
  };
}

/**
 * Prepares a float model for quantization at `opset` or later: upgrades older models,
 * moves Constant-node weights into initializers and folds BatchNorm and per-channel affine
 * ops into the preceding Conv. Returns the model (a new object) and its graph.
 */
export function prepareModel(
  bytes: Uint8Array,
  opset: number,
): { model: ModelProto; graph: Graph; report: PrepareReport } {
  const model = readModel(bytes);
  // A float16 model is quantized as float32; buildQuantized narrows it back (float16-model.ts).
  const float16 = widenForQuantization(model);
  const upgrade = defaultOpset(model) < opset ? upgradeOpset(model, opset) : undefined;
  const graph = buildGraph(model);
  const constants = constantsToInitializers(graph);
  const folds = [...foldBatchNorm(graph), ...foldConvAffine(graph)];
  // After the folds, which fold a ConvTranspose's bias and BatchNorm into it.
  const convTransposes = convTransposeAsConv(graph);
  verifyGraph(graph);
  return {
    model,
    graph,
    report: {
      upgrade,
      constantsMoved: constants.converted,
      foldedNodes: folds.length,
      ...(convTransposes.length === 0 ? {} : { convTransposes }),
      ...(float16 === undefined ? {} : { float16 }),
    },
  };
}

/** Statically quantizes `modelBytes` to a QDQ model, calibrating on `batches`. */
export async function runStaticRecipe(
  modelBytes: Uint8Array,
  batches: Batches | undefined,
  options: StaticOptions = {},
): Promise<StaticResult> {
  const { model, graph, report: prepare } = prepareModel(modelBytes, requiredOpset(options));
  // The widened model calibrates on float32 feeds; the built one runs on the original types.
  const fp16Inputs = prepare.float16?.inputs;
  if (fp16Inputs !== undefined && batches !== undefined) batches = widenBatches(batches);
  const asBuilt = (f: Feeds | undefined) =>
    f === undefined || fp16Inputs === undefined ? f : narrowFeeds(f, fp16Inputs);
  const rewrites = await rewriteFloat(modelBytes, model, graph, batches, options);
  batches = rewrites.batches;
  const plan = planQuantization(graph, options);
  const prepared = writeModel(model);
  const tensors = new Set(plan.calibrate);
  for (const more of options.alsoCalibrate ?? []) {
    const exclude = [...(options.exclude ?? []), ...more];
    for (const t of planQuantization(graph, { ...options, exclude }).calibrate) tensors.add(t);
  }
  const method = options.method ?? 'percentile';
  let calibration: CalibrationResult;
  let first: Feeds | undefined;
  const started = Date.now();
  if (options.cache !== undefined) {
    checkCalibrationCache(options.cache, prepared, plan.calibrate);
    calibration = options.cache;
  } else {
    if (batches === undefined) {
      fail('bad-calibration-data', 'static quantization needs calibration data (--calib PATH)');
    }
    calibration = await calibrate(prepared, [...tensors], batches, {
      method,
      onBatch: (feeds) => (first ??= feeds),
      means: plan.channelMeans,
      ...(options.observerOptions === undefined
        ? {}
        : { observerOptions: options.observerOptions }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.total === undefined ? {} : { total: options.total }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.observeHost === undefined ? {} : { observeHost: options.observeHost }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  }
  const calibrationMs = options.cache === undefined ? Date.now() - started : 0;
  // A cache is read with this run's percentile and search, not those it was calibrated with.
  const { percentile, search } = options.observerOptions ?? {};
  const source: RangeSource = {
    calibration,
    method,
    reading: {
      ...(percentile === undefined ? {} : { percentile }),
      ...(search === undefined ? {} : { search }),
    },
    ...(options.rangeGuard === undefined ? {} : { rangeGuard: options.rangeGuard }),
  };
  let built = buildQuantized(prepared, options, source);
  let buildOptions: PlanOptions = options;
  // onnxruntime checks some kernels' parameters only at run time (QLinearGlobalAveragePool's
  // scale ratio must lie in [2^-32, 256)): run the model once on a calibration batch, and keep
  // float each node it refuses, a few at most. A kernel missing for the types it was given (a
  // 16-bit Resize, after onnxruntime drops the Q/DQ around it) keeps that op type float.
  const keptFloat: { node: string; reason: string }[] = [];
  for (
    let failure = await runFailure(built.bytes, asBuilt(first), options.threads);
    failure !== undefined;
  ) {
    const missing = MISSING_KERNEL.exec(failure);
    const node = missing?.[1] ?? /Name:'([^']+)'/.exec(failure)?.[1];
    if (
      node === undefined ||
      keptFloat.length >= MAX_KEPT_FLOAT ||
      keptFloat.some((k) => k.node === node)
    ) {
      fail(
        'bad-calibration-data',
        `the quantized model does not run in onnxruntime on the first calibration batch ` +
          `(${failure}); an outlier in the data can stretch a range past a kernel's limits: ` +
          'check the data, or --exclude the node it names',
        node === undefined ? {} : { node },
      );
    }
    keptFloat.push({ node, reason: failure });
    buildOptions = { ...options, keptFloat: keptFloat.map((k) => k.node) };
    built = buildQuantized(prepared, buildOptions, source);
    failure = await runFailure(built.bytes, asBuilt(first), options.threads);
  }
  return {
    bytes: built.bytes,
    plan: built.plan,
    prepare,
    insert: built.insert,
    fallbacks: built.fallbacks,
    calibration,
    calibrationMs,
    keptFloat,
    pads: built.pads,
    rewrites: built.rewrites,
    build: { prepared, options: buildOptions, source },
    ...(rewrites.equalize === undefined ? {} : { equalize: rewrites.equalize }),
    ...(rewrites.smoothQuant === undefined ? {} : { smoothQuant: rewrites.smoothQuant }),
  };
}

/**
 * The float rewrites before planning, on `graph` in place: equalization, then SmoothQuant (whose
 * statistics read the data, so the stream is read into memory and handed back as an array).
 */
async function rewriteFloat(
  modelBytes: Uint8Array,
  model: ModelProto,
  graph: Graph,
  batches: Batches | undefined,
  options: StaticOptions,
): Promise<{
  batches: Batches | undefined;
  equalize?: EqualizeReport;
  smoothQuant?: SmoothReport;
}> {
  const equalize = options.equalize === true ? { equalize: equalizeConvPairs(graph) } : {};
  const smooth = options.smoothQuant;
  if (smooth === undefined) return { batches, ...equalize };
  if (batches === undefined) {
    fail('bad-calibration-data', 'SmoothQuant needs calibration data (--calib PATH)');
  }
  const feeds = await collectBatches(batches);
  // Each trial is the recipe itself without SmoothQuant's search or a cache; its calibration
  // reports progress as the final one does (over three quarters of the samples).
  const rest: StaticOptions = Object.fromEntries(
    Object.entries(options).filter(([k]) => !['smoothQuant', 'cache'].includes(k)),
  );
  const chosen =
    smooth.alpha !== undefined
      ? { alpha: smooth.alpha, chosenBy: 'given' as const }
      : await chooseAlpha(
          modelBytes,
          feeds,
          async (fit, alpha) =>
            (
              await runStaticRecipe(
                modelBytes,
                fit,
                alpha === null ? rest : { ...rest, smoothQuant: { alpha } },
              )
            ).bytes,
          smooth.grid,
          options.threads,
        );
  const decisions = await smoothGraph(
    graph,
    writeModel(model),
    feeds,
    chosen.alpha,
    options.threads,
  );
  return { batches: feeds, ...equalize, smoothQuant: { ...chosen, decisions } };
}

/** Nodes runStaticRecipe keeps float, at most, before it gives up on a model onnxruntime refuses. */
const MAX_KEPT_FLOAT = 4;
/** onnxruntime's load error for an op without a kernel for its types; group 1: the op type. */
const MISSING_KERNEL = /Could not find an implementation for (\w+)\(\d+\) node/;

/** What onnxruntime says running `bytes` on `feeds` (undefined: it ran, or no feeds). */
async function runFailure(
  bytes: Uint8Array,
  feeds: Feeds | undefined,
  threads = 1,
): Promise<string | undefined> {
  if (feeds === undefined) return undefined;
  let session;
  try {
    session = await createSession(bytes, { threads });
  } catch (error) {
    // A kernel missing for the types it was given; other load failures stay errors.
    if (!isZeropointError(error, 'bad-model') || !MISSING_KERNEL.test(error.message)) throw error;
    return error.message;
  }
  try {
    await session.run(feeds);
    return undefined;
  } catch (error) {
    if (!isZeropointError(error, 'bad-model')) throw error;
    return error.message;
  } finally {
    await session.release();
  }
}

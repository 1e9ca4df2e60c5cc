// Weight-only QAT (int4/int8 blocks, issue 12's transformer goal): the weight-only recipe's
// blocked-DequantizeLinear model (format 'qdq', RTN or the given algorithm) turned into a
// training graph (each `int W -> DQ(block)` becomes fp32 `W -> FakeQuant(block)` at the same
// scales and zero points), the float weights (and, with learnScales, the block scales)
// fine-tuned by distillation against the fp32 model (MSE, or KL of the logits' softmaxes), and
// the learned codes written into the same initializers. The kept step and PTQ-vs-QAT are
// judged on held-out samples by KL from fp32's softmax along the last axis (SQNR breaks ties;
// held-out-judge.ts).
// Not static QAT (qat-recipe.ts); the training loop is train-loop.ts, as static QAT's.
import { dequantize, fail, QTYPES, qtypeFromOnnx, quantize, type QType } from '../core/index.js';
import {
  attr,
  attrInt,
  buildGraph,
  makeNode,
  readModel,
  tensorToProto,
  writeModel,
} from '../onnx/index.js';
import { runWeightsRecipe, type Feeds, type WeightsOptions } from '../ptq/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import type { DistillLoss } from './distill-loss.js';
import { compileTrainingGraph, type TrainingProgram } from './executor.js';
import { FAKE_QUANT } from './fake-quant-op.js';
import { beats, judgeModel, type HeldOutFigures, type KeepBy } from './held-out-judge.js';
import { collectSamples, type Sample } from './samples.js';
import { inlineDequantized } from './training-graph.js';
import { trainLoop } from './train-loop.js';

/** Settings of runWeightQatRecipe. */
export interface WeightQatSettings {
  readonly steps?: number;
  /** Adam's rate on the float weights (default 1e-4); scales at lr x their mean. */
  readonly lr?: number;
  readonly batchSize?: number;
  /** Also learn the block scales (default false: weights only). */
  readonly learnScales?: boolean;
  readonly seed?: number;
  readonly threads?: number;
  /** Distillation loss (default 'kl-logits': KL of the softmaxes of the last axis). */
  readonly loss?: Extract<DistillLoss, 'mse' | 'kl-logits'>;
  /** Softmax temperature of 'kl-logits' (default 1). */
  readonly temperature?: number;
  /** Which held-out figure picks the kept step and PTQ-vs-QAT (default 'auto': KL). */
  readonly keepBy?: KeepBy;
  /** Steps between held-out measurements (default steps / 10). */
  readonly evalEvery?: number;
  readonly onStep?: (step: number, steps: number, loss: number, heldOut?: HeldOutFigures) => void;
  /**
   * Called on each measured step with its held-out figures (training graph) and a function that
   * writes the model of that moment (for benches that score every measured state).
   */
  readonly onMeasured?: (step: number, heldOut: HeldOutFigures, write: () => Uint8Array) => void;
}

/** What weight-only QAT did. */
export interface WeightQatReport {
  readonly weights: number;
  readonly steps: number;
  /** Held-out output SQNR (dB, onnxruntime) of the PTQ model and of the fine-tuned one. */
  readonly before: number;
  readonly after: number;
  /** All held-out figures (onnxruntime) of both; `after` absent after a NaN loss. */
  readonly heldOut: { readonly before: HeldOutFigures; readonly after?: HeldOutFigures };
  readonly loss: DistillLoss;
  readonly temperature: number;
  readonly keepBy: KeepBy;
  /** The training step kept (0: none beat the start in the training graph). */
  readonly bestStep: number;
  readonly kept: 'qat' | 'ptq';
  readonly losses: readonly number[];
  readonly ms: number;
}

interface Trained {
  readonly weight: string;
  readonly codes: string;
  readonly scale: string;
  readonly zeroPoint: string;
  readonly qtype: QType;
  readonly blockSize: number;
  readonly shape: readonly number[];
  readonly zeroPoints: Int32Array;
}

/** The training graph of a blocked-DQ weight-only model and what each FakeQuant replaced. */
function weightTrainingGraph(qdqBytes: Uint8Array, floatBytes: Uint8Array) {
  const graph = buildGraph(readModel(qdqBytes));
  const floats = buildGraph(readModel(floatBytes));
  const trained: Trained[] = [];
  for (const dq of graph.nodes.filter((n) => n.opType === 'DequantizeLinear')) {
    const blockSize = attrInt(dq, 'block_size', 0);
    const codes = graph.initializer(dq.input[0] ?? '');
    const qtype = codes === undefined ? undefined : qtypeFromOnnx(codes.dataType);
    const weight = dq.input[0]!.replace(/_quantized$/, '');
    const value = floats.constantValue(weight);
    const scale = graph.constantValue(dq.input[1] ?? '');
    const shape = graph.constantValue(dq.input[0] ?? '')?.shape;
    const trainable =
      blockSize > 0 &&
      qtype !== undefined &&
      scale !== undefined &&
      shape !== undefined &&
      value?.dtype === 'float32' &&
      !graph.isDefined(weight) &&
      value.shape.join() === shape.join();
    if (!trainable) {
      // Not trained (e.g. a Gemm head stored transposed): a frozen float constant.
      inlineDequantized(graph, dq);
      continue;
    }
    const zp = dq.input[2] ? graph.constantValue(dq.input[2]) : undefined;
    const zeroPoints = Int32Array.from(
      (zp?.data ?? new Int32Array(scale.data.length)) as ArrayLike<number>,
      Number,
    );
    const zeroPoint = graph.uniqueName(`${weight}_zero_point_float`);
    const grid = blockParams(qtype, blockSize, scale.data as Float32Array, zeroPoints);
    const ptqCodes = graph.constantValue(dq.input[0]!)!.data as ArrayLike<number>;
    const start = startingWeights(value.data, ptqCodes, shape, grid);
    graph.addInitializer(tensorToProto({ name: weight, dtype: 'float32', shape, data: start }));
    graph.addInitializer(
      tensorToProto({
        name: zeroPoint,
        dtype: 'float32',
        shape: scale.shape,
        data: Float32Array.from(zeroPoints),
      }),
    );
    const { qmin, qmax } = QTYPES[qtype];
    graph.removeNode(dq);
    graph.addNode(
      makeNode({
        ...FAKE_QUANT,
        inputs: [weight, dq.input[1]!, zeroPoint],
        outputs: [dq.output[0]!],
        attributes: [
          attr.int('qmin', qmin),
          attr.int('qmax', qmax),
          attr.int('axis', attrInt(dq, 'axis', 1)),
          attr.int('block_size', blockSize),
          attr.int('learn_zero_point', 0),
        ],
      }),
    );
    graph.removeInitializer(dq.input[0]!);
    trained.push({
      weight,
      codes: dq.input[0]!,
      scale: dq.input[1]!,
      zeroPoint,
      qtype,
      blockSize,
      shape,
      zeroPoints,
    });
  }
  graph.sort();
  return { graph, trained };
}

/** The block grid of a weight [K, N]: blocks of `blockSize` along K. */
function blockParams(qtype: QType, blockSize: number, scale: Float32Array, zeroPoint: Int32Array) {
  const granularity = { kind: 'per-block', axis: 0, blockSize } as const;
  return { qtype, granularity, scale, zeroPoint, grid: QTYPES[qtype] };
}

/**
 * The float weights training starts from, which fake-quantize to exactly PTQ's codes: each
 * float weight where rounding it gives PTQ's code (all of them after RTN), else the centre of
 * PTQ's code (where GPTQ, AWQ or HQQ chose another code than nearest rounding).
 */
function startingWeights(
  w: Float32Array,
  codes: ArrayLike<number>,
  shape: readonly number[],
  grid: ReturnType<typeof blockParams>,
): Float32Array {
  const nearest = quantize(w, shape, grid);
  const centres = dequantize(codes, shape, grid);
  return w.map((v, i) => (nearest[i] === codes[i] ? v : centres[i]!));
}

/** The PTQ model with the program's current weights (and scales) quantized into its codes. */
function writeBack(ptq: Uint8Array, trained: readonly Trained[], program: TrainingProgram) {
  const model = readModel(ptq);
  const out = buildGraph(model);
  for (const t of trained) {
    const w = program.params.get(t.weight)!.data;
    const scale = Float32Array.from(
      program.params.get(t.scale)?.data ?? (out.constantValue(t.scale)!.data as Float32Array),
    );
    const params = blockParams(t.qtype, t.blockSize, scale, t.zeroPoints);
    const codes = quantize(Float32Array.from(w), t.shape, params);
    out.removeInitializer(t.codes);
    out.addInitializer(
      tensorToProto({ name: t.codes, dtype: t.qtype, shape: t.shape, data: codes }),
    );
    if (program.params.has(t.scale)) {
      const shape = out.constantValue(t.scale)!.shape;
      out.removeInitializer(t.scale);
      out.addInitializer(tensorToProto({ name: t.scale, dtype: 'float32', shape, data: scale }));
    }
  }
  return writeModel(model);
}

/**
 * Weight-only quantizes `modelBytes` (blocked DequantizeLinear), fine-tunes the float weights
 * through block fake-quant by distillation on `train`, judges on `heldOut`.
 */
export async function runWeightQatRecipe(
  modelBytes: Uint8Array,
  train: readonly Feeds[],
  heldOut: readonly Feeds[],
  options: WeightsOptions,
  settings: WeightQatSettings = {},
): Promise<{ bytes: Uint8Array; ptq: Uint8Array; tuned: Uint8Array; report: WeightQatReport }> {
  const steps = settings.steps ?? 100;
  const lr = settings.lr ?? 1e-4;
  const batchSize = settings.batchSize ?? 8;
  const loss = settings.loss ?? 'kl-logits';
  const temperature = settings.temperature ?? 1;
  const keepBy = settings.keepBy ?? 'auto';
  const threads = settings.threads ?? 1;
  const started = Date.now();
  const ptq = runWeightsRecipe(modelBytes, { ...options, format: 'qdq' }).bytes;
  const { graph, trained } = weightTrainingGraph(ptq, modelBytes);
  if (trained.length === 0) fail('bad-model', 'no blocked weight to fine-tune in the model');
  const names = new Set(trained.map((t) => t.weight));
  if (settings.learnScales === true) for (const t of trained) names.add(t.scale);
  const program = compileTrainingGraph(graph, names);
  const outputs = program.outputNames;
  const teacher = await createSession(modelBytes, { threads });
  let samples: Sample[];
  let heldSamples: Sample[];
  try {
    samples = await collectSamples(train, teacher, outputs);
    heldSamples = await collectSamples(heldOut, teacher, outputs);
  } finally {
    await teacher.release();
  }
  const params = new Map(
    [...names].map((name) => {
      const data = program.params.get(name)!.data;
      const mean = data.reduce((a, b) => a + Math.abs(b), 0) / data.length;
      const isScale = !trained.some((t) => t.weight === name);
      return [name, { data, rate: isScale ? mean : 1, ...(isScale ? { floor: 1e-12 } : {}) }];
    }),
  );
  // E's loop (train-loop.ts): keep-best on the held-out samples, no accumulation or clipping.
  const loop = trainLoop(program, params, samples, heldSamples, {
    steps,
    lr,
    batchSize,
    accumulate: 1,
    clip: 0,
    evalEvery: settings.evalEvery ?? Math.max(1, Math.round(steps / 10)),
    seed: settings.seed ?? 0,
    loss,
    temperature,
    keepBy,
    // Logits along the last axis: top-1 and KL on every output (a language model's included).
    top1Rule: 'last-axis',
    onStep: (s) => {
      settings.onStep?.(s.step, steps, s.loss, s.heldOut);
      if (s.heldOut !== undefined)
        settings.onMeasured?.(s.step, s.heldOut, () => writeBack(ptq, trained, program));
    },
  });
  const losses = loop.losses;
  // The learned weights quantized on the (learned) block grids, into the same names.
  const tuned = writeBack(ptq, trained, program);
  const judge = (bytes: Uint8Array) =>
    judgeModel(bytes, heldSamples, outputs, 'last-axis', threads);
  const before = await judge(ptq);
  const after = !loop.nan ? await judge(tuned) : undefined;
  const kept = after !== undefined && beats(keepBy, after, before) ? 'qat' : 'ptq';
  const report = {
    weights: trained.length,
    steps,
    before: before.sqnr,
    after: after?.sqnr ?? -Infinity,
    heldOut: { before, ...(after === undefined ? {} : { after }) },
    loss,
    temperature,
    keepBy,
    bestStep: loop.bestStep,
    kept,
    losses,
    ms: Date.now() - started,
  } as const;
  return { bytes: kept === 'qat' ? tuned : ptq, ptq, tuned, report };
}

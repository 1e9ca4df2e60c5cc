// Weight-only QAT (int4/int8 blocks, issue 12's transformer goal): the weight-only recipe's
// blocked-DequantizeLinear model (format 'qdq', RTN or the given algorithm) turned into a
// training graph (each `int W -> DQ(block)` becomes fp32 `W -> FakeQuant(block)` at the same
// scales and zero points), the float weights (and, with learnScales, the block scales)
// fine-tuned by MSE distillation against the fp32 model, and the learned codes written into
// the same initializers. Keeps the PTQ model when held-out output SQNR does not improve.
// Not static QAT (qat-recipe.ts); the training loop is train-loop.ts, as static QAT's.
import { fail, QTYPES, qtypeFromOnnx, quantize, type QType } from '../core/index.js';
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
import { compareOutputs } from '../ptq/output-agreement.js';
import { createSession } from '../runtime/onnxruntime.js';
import { compileTrainingGraph } from './executor.js';
import { FAKE_QUANT } from './fake-quant-op.js';
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
  readonly onStep?: (step: number, steps: number, loss: number) => void;
}

/** What weight-only QAT did. */
export interface WeightQatReport {
  readonly weights: number;
  readonly steps: number;
  readonly before: number;
  readonly after: number;
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
    graph.addInitializer(
      tensorToProto({ name: weight, dtype: 'float32', shape, data: value.data }),
    );
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

async function heldOutSqnr(reference: Uint8Array, bytes: Uint8Array, feeds: readonly Feeds[]) {
  const agreement = await compareOutputs(reference, bytes, feeds);
  return Math.min(...agreement.map((a) => a.sqnrDb));
}

/**
 * Weight-only quantizes `modelBytes` (blocked DequantizeLinear), fine-tunes the float weights
 * through block fake-quant by MSE distillation on `train`, judges on `heldOut`.
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
  const started = Date.now();
  const ptq = runWeightsRecipe(modelBytes, { ...options, format: 'qdq' }).bytes;
  const { graph, trained } = weightTrainingGraph(ptq, modelBytes);
  if (trained.length === 0) fail('bad-model', 'no blocked weight to fine-tune in the model');
  const names = new Set(trained.map((t) => t.weight));
  if (settings.learnScales === true) for (const t of trained) names.add(t.scale);
  const program = compileTrainingGraph(graph, names);
  const outputs = program.outputNames;
  const teacher = await createSession(modelBytes, { threads: settings.threads ?? 1 });
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
    evalEvery: Math.max(1, Math.round(steps / 10)),
    seed: settings.seed ?? 0,
    loss: 'mse',
    onStep: (s) => settings.onStep?.(s.step, steps, s.loss),
  });
  const losses = loop.losses;
  // Write back: the learned weights quantized on the (learned) block grids, into the same names.
  const model = readModel(ptq);
  const out = buildGraph(model);
  for (const t of trained) {
    const w = program.params.get(t.weight)!.data;
    const scale = Float32Array.from(
      program.params.get(t.scale)?.data ?? (out.constantValue(t.scale)!.data as Float32Array),
    );
    const params = {
      qtype: t.qtype,
      granularity: { kind: 'per-block', axis: 0, blockSize: t.blockSize } as const,
      scale,
      zeroPoint: t.zeroPoints,
      grid: QTYPES[t.qtype],
    };
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
  const tuned = writeModel(model);
  const before = await heldOutSqnr(modelBytes, ptq, heldOut);
  const after = !loop.nan ? await heldOutSqnr(modelBytes, tuned, heldOut) : -Infinity;
  const kept = after > before ? 'qat' : 'ptq';
  const report = {
    weights: trained.length,
    steps,
    before,
    after,
    kept,
    losses,
    ms: Date.now() - started,
  } as const;
  return { bytes: kept === 'qat' ? tuned : ptq, ptq, tuned, report };
}

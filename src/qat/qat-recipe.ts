// Quantization-aware fine-tuning from zeropoint's own PTQ result: the static recipe (same plan,
// placement and ranges), its QDQ model turned into a fake-quant training graph, weights,
// biases and scales fine-tuned by distillation against the fp32 model's outputs (onnxruntime),
// Adam with warm-up + cosine, a seeded order; then the one builder writes the learned values
// into the same QDQ model. Keeps the PTQ model when held-out SQNR does not improve or the loss
// turns NaN. Not the engine (executor.ts) and not I/O.
import { fail } from '../core/index.js';
import type { Feeds, StaticOptions, StaticResult } from '../ptq/index.js';
import { buildQuantized, prepareBuild, runStaticRecipe } from '../ptq/index.js';
import { createSession, type RuntimeTensor } from '../runtime/onnxruntime.js';
import { Adam, learningRate, type AdamParam } from './adam.js';
import { distill, isDistribution, Sqnr, type DistillLoss } from './distill-loss.js';
import { compileTrainingGraph, type TrainingProgram } from './executor.js';
import { learnedValues, trainableNames, type LearnMode } from './learned.js';

export type { LearnMode } from './learned.js';
import {
  byShape,
  collectSamples,
  joinSamples,
  seededRandom,
  shuffledIndices,
  type Sample,
} from './samples.js';
import { tensor } from './tensor.js';
import { buildTrainingGraph } from './training-graph.js';

/** Training settings of runQatRecipe (every field has a default). */
export interface QatSettings {
  /** Optimizer steps (default 200). */
  readonly steps?: number;
  /** Adam's rate for weights and biases (default 1e-5); scales and zero points follow it. */
  readonly lr?: number;
  /**
   * A scale's rate is lr x scaleRate x its mean value (default 100: at lr 1e-5 a scale moves at
   * most 0.1 % per step); a zero point's is lr x 50 x scaleRate (0.05 levels per step).
   */
  readonly scaleRate?: number;
  /** Samples per step (default 8). */
  readonly batchSize?: number;
  readonly learn?: LearnMode;
  /** 'auto' (default): KL when every teacher output is a distribution along its last axis, else MSE. */
  readonly loss?: DistillLoss | 'auto';
  readonly seed?: number;
  /** Steps between held-out SQNR measurements in progress (default steps / 10). */
  readonly evalEvery?: number;
  readonly threads?: number;
  readonly onStep?: (step: QatStep) => void;
  readonly signal?: AbortSignal;
}

/** One progress report. */
export interface QatStep {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  /** Held-out SQNR of the training graph in dB, on measuring steps. */
  readonly heldOutSqnr?: number;
}

/** What fine-tuning did, for the report and `--json`. */
export interface QatReport {
  readonly settings: Required<
    Pick<QatSettings, 'steps' | 'lr' | 'scaleRate' | 'batchSize' | 'learn' | 'seed'>
  > & {
    readonly loss: DistillLoss;
    readonly trainSamples: number;
    readonly heldOutSamples: number;
    readonly trainable: number;
  };
  /** Held-out output SQNR (dB) of the PTQ model and of the fine-tuned one, run in onnxruntime. */
  readonly before: number;
  readonly after: number | undefined;
  /** Which model was returned, and why PTQ was kept when it was. */
  readonly kept: 'qat' | 'ptq';
  readonly reason?: string;
  readonly losses: readonly number[];
  readonly trainMs: number;
}

/** Held-out SQNR of model bytes against the teacher outputs, in onnxruntime. */
async function sqnrOf(
  bytes: Uint8Array,
  samples: readonly Sample[],
  outputs: readonly string[],
  threads: number,
): Promise<number> {
  const session = await createSession(bytes, { threads });
  try {
    const sqnr = new Sqnr();
    for (const s of samples) {
      const out = await session.run(s.feeds, outputs);
      for (const o of outputs)
        sqnr.add(out[o]!.data as Float32Array, s.teacher[o]!.data as Float32Array);
    }
    return sqnr.db;
  } finally {
    await session.release();
  }
}

function programSqnr(
  program: TrainingProgram,
  samples: readonly Sample[],
  outputs: readonly string[],
): number {
  const sqnr = new Sqnr();
  for (const group of byShape(samples)) {
    const { feeds, teacher } = joinSamples(group, outputs);
    const pass = program.forward(feeds, { tape: false });
    for (const o of outputs) sqnr.add(pass.outputs[o]!.data, teacher[o]!.data as Float32Array);
  }
  return sqnr.db;
}

function chooseLoss(
  loss: QatSettings['loss'],
  samples: readonly Sample[],
  outputs: readonly string[],
): DistillLoss {
  if (loss === 'mse' || loss === 'kl') return loss;
  const all = (t: RuntimeTensor) => isDistribution(t.data as Float32Array, t.dims);
  return samples.every((s) => outputs.every((o) => all(s.teacher[o]!))) ? 'kl' : 'mse';
}

/** The returned model (the fine-tuned one, or PTQ's when kept), the PTQ run and the report. */
export interface QatResult {
  readonly bytes: Uint8Array;
  readonly static: StaticResult;
  /** The fine-tuned model even when PTQ's was kept (absent after a NaN loss). */
  readonly tuned?: Uint8Array;
  readonly report: QatReport;
}

/**
 * Statically quantizes `modelBytes` on `train`, fine-tunes on `train` by distillation and
 * measures on `heldOut` (both whole batches; nothing is held out of `train`).
 */
export async function runQatRecipe(
  modelBytes: Uint8Array,
  train: readonly Feeds[],
  heldOut: readonly Feeds[],
  options: StaticOptions = {},
  settings: QatSettings = {},
): Promise<QatResult> {
  const steps = settings.steps ?? 200;
  const lr = settings.lr ?? 1e-5;
  const scaleRate = settings.scaleRate ?? 100;
  const batchSize = settings.batchSize ?? 8;
  const learn = settings.learn ?? 'both';
  const seed = settings.seed ?? 0;
  const threads = settings.threads ?? options.threads ?? 1;
  if (
    !(Number.isInteger(steps) && steps >= 0) ||
    !(Number.isInteger(batchSize) && batchSize >= 1) ||
    !(lr > 0)
  ) {
    fail(
      'bad-argument',
      `QAT needs whole steps >= 0, a batch size >= 1 and lr > 0 (got ${steps}, ${batchSize}, ${lr})`,
    );
  }
  if (heldOut.length === 0)
    fail('bad-calibration-data', 'QAT needs held-out data to judge the fine-tuning');
  const ptq = await runStaticRecipe(modelBytes, train, options);
  const { prepared, options: buildOptions, source } = ptq.build;
  const training = buildTrainingGraph(
    ptq.bytes,
    prepareBuild(prepared, buildOptions).graph,
    ptq.plan,
  );
  const names = trainableNames(training, learn);
  const program = compileTrainingGraph(training.graph, new Set(names.keys()));
  const outputs = program.outputNames;
  const teacher = await createSession(modelBytes, { threads });
  let trainSamples: Sample[];
  let heldSamples: Sample[];
  try {
    trainSamples = await collectSamples(train, teacher, outputs);
    heldSamples = await collectSamples(heldOut, teacher, outputs);
  } finally {
    await teacher.release();
  }
  const loss = chooseLoss(settings.loss, trainSamples, outputs);
  const params = new Map<string, AdamParam>();
  for (const [name, kind] of names) {
    const data = program.params.get(name)!.data;
    const mean = data.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, data.length);
    const rate = kind === 'scale' ? mean * scaleRate : kind === 'zero-point' ? 50 * scaleRate : 1;
    params.set(name, { data, rate, ...(kind === 'scale' ? { floor: 1e-12 } : {}) });
  }
  const adam = new Adam(params);
  const order = shuffledIndices(trainSamples.length, seededRandom(seed));
  const evalEvery = settings.evalEvery ?? Math.max(1, Math.round(steps / 10));
  const warmup = Math.min(steps, Math.max(1, Math.round(steps / 10)));
  const losses: number[] = [];
  const started = Date.now();
  let nan = false;
  for (let step = 0; step < steps; step++) {
    if (settings.signal?.aborted === true) fail('aborted', 'QAT was aborted');
    const picked = Array.from(
      { length: Math.min(batchSize, trainSamples.length) },
      () => trainSamples[order.next().value as number]!,
    );
    const grads = new Map<string, Float32Array>();
    let total = 0;
    for (const group of byShape(picked)) {
      const { feeds, teacher: t } = joinSamples(group, outputs);
      const pass = program.forward(feeds);
      const gradOutputs: Record<string, ReturnType<typeof tensor>> = {};
      const weight = group.length / picked.length;
      for (const o of outputs) {
        const y = pass.outputs[o]!;
        const d = distill(loss, y.data, t[o]!.data as Float32Array, y.shape);
        total += d.loss * weight;
        gradOutputs[o] = tensor(
          y.shape,
          d.grad.map((g) => g * weight),
        );
      }
      for (const [name, g] of program.backward(pass, gradOutputs)) {
        const sum = grads.get(name);
        if (sum === undefined) grads.set(name, g);
        else for (let i = 0; i < g.length; i++) sum[i] = sum[i]! + g[i]!;
      }
    }
    losses.push(total);
    if (!Number.isFinite(total)) {
      nan = true;
      break;
    }
    adam.step(grads, learningRate(lr, step, steps, warmup));
    const measure = (step + 1) % evalEvery === 0 || step + 1 === steps;
    const heldOutSqnr = measure ? programSqnr(program, heldSamples, outputs) : undefined;
    settings.onStep?.({
      step: step + 1,
      steps,
      loss: total,
      ...(heldOutSqnr === undefined ? {} : { heldOutSqnr }),
    });
  }
  const trainMs = Date.now() - started;
  // A step can leave parameters non-finite before any loss shows it.
  const broken = [...params.values()].some((p) => !p.data.every(Number.isFinite));
  const before = await sqnrOf(ptq.bytes, heldSamples, outputs, threads);
  const report = (after: number | undefined, kept: 'qat' | 'ptq', reason?: string): QatReport => ({
    settings: {
      steps,
      lr,
      scaleRate,
      batchSize,
      learn,
      seed,
      loss,
      trainSamples: trainSamples.length,
      heldOutSamples: heldSamples.length,
      trainable: names.size,
    },
    before,
    after,
    kept,
    ...(reason === undefined ? {} : { reason }),
    losses,
    trainMs,
  });
  if (nan || broken)
    return {
      static: ptq,
      bytes: ptq.bytes,
      report: report(
        undefined,
        'ptq',
        nan
          ? `the loss was not finite at step ${losses.length}; the PTQ model is kept`
          : 'training left parameters not finite; the PTQ model is kept',
      ),
    };
  const built = buildQuantized(
    prepared,
    buildOptions,
    source,
    learnedValues(training, program, names),
  );
  const after = await sqnrOf(built.bytes, heldSamples, outputs, threads);
  if (!(after > before)) {
    return {
      static: ptq,
      bytes: ptq.bytes,
      tuned: built.bytes,
      report: report(
        after,
        'ptq',
        `held-out SQNR did not improve (${after.toFixed(2)} dB vs PTQ's ${before.toFixed(2)} dB); the PTQ model is kept`,
      ),
    };
  }
  return { static: ptq, bytes: built.bytes, tuned: built.bytes, report: report(after, 'qat') };
}

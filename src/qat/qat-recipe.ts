// Quantization-aware fine-tuning from zeropoint's own PTQ result: the static recipe (same plan,
// placement and ranges), its QDQ model turned into a fake-quant training graph, weights,
// biases and scales fine-tuned by distillation against the fp32 model's outputs (onnxruntime)
// in train-loop.ts (keep-best); then the one builder writes the learned values into the same
// QDQ model. Keeps the PTQ model, recalibrated on all the data, when the held-out figures do not
// improve or the loss turns NaN.
// Not the engine (executor.ts), not the loop, and not I/O.
import { fail } from '../core/index.js';
import type { Feeds, StaticOptions, StaticResult } from '../ptq/index.js';
import { buildQuantized, runStaticRecipe } from '../ptq/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import type { AdamParam } from './adam.js';
import type { DistillLoss } from './distill-loss.js';
import { compileTrainingGraph } from './executor.js';
import { learnedValues, trainableNames, weightGridRates, type LearnMode } from './learned.js';
import { formatFigures, rankedBy, replaces, type HeldOutFigures } from './held-out-judge.js';
import { allBatchesNote, ptqOnAll } from './ptq-on-all.js';
import { chooseObjective, judgeBytes, type HeldOutScore, type LossFunction } from './objective.js';

export type { LearnMode } from './learned.js';
import { collectSamples, type Sample } from './samples.js';
import { trainLoop } from './train-loop.js';
import { trainingGraphOf } from './training-graph.js';

/** Training settings of runQatRecipe (every field has a default). */
export interface QatSettings {
  /**
   * Optimizer steps (default 16: on the PP-OCRv4 recognizer a step of 8 lines took 20-60 s on 2
   * shared cores, and held-out SQNR peaked within 2-16 steps; see docs/design.md).
   */
  readonly steps?: number;
  /** Adam's rate for weights and biases (default 1e-5); scales and zero points follow it. */
  readonly lr?: number;
  /**
   * A scale's rate is lr x scaleRate x its mean value (default 100: at lr 1e-5 a scale moves at
   * most 0.1 % per step); a zero point's is lr x 50 x scaleRate (0.05 levels per step).
   */
  readonly scaleRate?: number;
  /** A zero point's rate is lr x zeroPointRate x scaleRate levels (default 50). */
  readonly zeroPointRate?: number;
  /**
   * 'grid': a weight's rate is lr x its channel's scale / the median weight scale, so weights
   * move alike in grid steps; 'uniform' (default): every weight at lr.
   */
  readonly weightRate?: 'grid' | 'uniform';
  /** Samples per micro-batch (default 8). */
  readonly batchSize?: number;
  /** Micro-batches per update (default 1): an effective batch of batchSize x accumulate. */
  readonly accumulate?: number;
  /** Caps a step's gradient norm at clip x the running mean of earlier steps' (default 0: off). */
  readonly clip?: number;
  readonly learn?: LearnMode;
  /**
   * 'auto' (default): KL when every teacher output is a distribution along its last axis, else
   * MSE; or a function (e.g. CTC against labels), whose held-out loss then decides keep-best
   * and QAT-vs-PTQ instead of SQNR (objective.ts's LossFunction).
   */
  readonly loss?: DistillLoss | 'auto' | LossFunction;
  /** Names the loss function in errors (default 'the loss function'). */
  readonly lossName?: string;
  readonly seed?: number;
  /**
   * Steps between held-out SQNR measurements (default steps / 8); the best measured state
   * (or the start) is what is written back.
   */
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
  /** With a loss function: its held-out mean loss (training graph), on measuring steps. */
  readonly heldOutLoss?: number;
  /** Every held-out figure (top-1, KL, SQNR, loss) of the training graph, on measuring steps. */
  readonly heldOut?: HeldOutFigures;
}

/** What fine-tuning did, for the report and `--json`. */
export interface QatReport {
  readonly settings: Required<
    Pick<
      QatSettings,
      | 'steps'
      | 'lr'
      | 'scaleRate'
      | 'zeroPointRate'
      | 'batchSize'
      | 'accumulate'
      | 'clip'
      | 'weightRate'
      | 'evalEvery'
      | 'learn'
      | 'seed'
    >
  > & {
    readonly loss: DistillLoss | 'module';
    readonly trainSamples: number;
    readonly heldOutSamples: number;
    readonly trainable: number;
  };
  /** Held-out output SQNR (dB) of the PTQ model and of the fine-tuned one, run in onnxruntime. */
  readonly before: number;
  readonly after: number | undefined;
  /**
   * What decided QAT-vs-PTQ and the kept step: held-out KL from fp32 (outputs that are
   * distributions, SQNR breaking ties), held-out SQNR (no such output), or the loss function's
   * held-out loss.
   */
  readonly decidedBy: 'top1' | 'kl' | 'sqnr' | 'loss';
  /** Held-out top-1 agreement, KL and SQNR of PTQ and of QAT, in onnxruntime. */
  readonly heldOut: { readonly before: HeldOutFigures; readonly after?: HeldOutFigures };
  /** Held-out mean loss (the loss function's, or the distillation loss) of PTQ and of QAT, in onnxruntime. */
  readonly lossBefore: number;
  readonly lossAfter: number | undefined;
  /** Which model was returned, and why PTQ was kept when it was. */
  readonly kept: 'qat' | 'ptq';
  readonly reason?: string;
  readonly losses: readonly number[];
  /** Held-out SQNR of the training graph at the start and at the best measured step (kept). */
  readonly graphBefore: number;
  readonly graphBest: number;
  readonly bestStep: number;
  /** Steps whose gradient norm was clipped. */
  readonly clipped: number;
  readonly trainMs: number;
}

/** The distillation figures of a held-out score (its loss left out: beats ranks a loss first). */
const figures = (s: HeldOutScore): HeldOutFigures => ({ sqnr: s.sqnr, top1: s.top1, kl: s.kl });

/**
 * The returned model (the fine-tuned one, or PTQ's when kept: calibrated on train and held-out
 * batches together), the PTQ run it comes from (train only for QAT) and the report.
 */
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
  const steps = settings.steps ?? 16;
  const lr = settings.lr ?? 1e-5;
  const scaleRate = settings.scaleRate ?? 100;
  const zeroPointRate = settings.zeroPointRate ?? 50;
  const batchSize = settings.batchSize ?? 8;
  const accumulate = settings.accumulate ?? 1;
  const clip = settings.clip ?? 0;
  const weightRate = settings.weightRate ?? 'uniform';
  const learn = settings.learn ?? 'both';
  const seed = settings.seed ?? 0;
  const threads = settings.threads ?? options.threads ?? 1;
  if (
    !(Number.isInteger(steps) && steps >= 0) ||
    !(Number.isInteger(batchSize) && batchSize >= 1) ||
    !(Number.isInteger(accumulate) && accumulate >= 1) ||
    !(clip >= 0) ||
    !(lr > 0)
  ) {
    fail(
      'bad-argument',
      `QAT needs whole steps >= 0, batch size and accumulate >= 1, clip >= 0 and lr > 0 (got ${steps}, ${batchSize}, ${accumulate}, ${clip}, ${lr})`,
    );
  }
  if (heldOut.length === 0)
    fail('bad-calibration-data', 'QAT needs held-out data to judge the fine-tuning');
  const ptq = await runStaticRecipe(modelBytes, train, options);
  const { prepared, options: buildOptions, source } = ptq.build;
  const training = trainingGraphOf(ptq);
  const names = trainableNames(training, learn);
  const program = compileTrainingGraph(training.graph, new Set(names.keys()));
  const outputs = program.outputNames;
  const teacher = await createSession(modelBytes, { threads });
  let trainSamples: Sample[];
  let heldSamples: Sample[];
  try {
    trainSamples = await collectSamples(train, teacher, outputs);
    heldSamples = await collectSamples(heldOut, teacher, outputs, trainSamples.length);
  } finally {
    await teacher.release();
  }
  const objective = chooseObjective(settings.loss, trainSamples, outputs, settings.lossName);
  const loss = objective.kind;
  const byLoss = loss === 'module';
  const params = new Map<string, AdamParam>();
  const gridRates =
    weightRate === 'grid' ? weightGridRates(training, program) : new Map<string, Float32Array>();
  for (const [name, kind] of names) {
    const data = program.params.get(name)!.data;
    const mean = data.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, data.length);
    const rate =
      kind === 'scale' ? mean * scaleRate : kind === 'zero-point' ? zeroPointRate * scaleRate : 1;
    const rates = kind === 'weight' ? gridRates.get(name) : undefined;
    params.set(name, {
      data,
      rate,
      ...(rates === undefined ? {} : { rates }),
      ...(kind === 'scale' ? { floor: 1e-12 } : {}),
    });
  }
  const evalEvery = settings.evalEvery ?? Math.max(1, Math.round(steps / 8));
  const loop = trainLoop(program, params, trainSamples, heldSamples, {
    steps,
    lr,
    batchSize,
    accumulate,
    clip,
    evalEvery,
    seed,
    loss: loss === 'module' ? 'mse' : loss,
    ...(byLoss ? { objective } : {}),
    ...(settings.signal === undefined ? {} : { signal: settings.signal }),
    onStep: (s) => settings.onStep?.({ ...s, steps }),
  });
  const { losses, nan, trainMs } = loop;
  const judged = await judgeBytes(ptq.bytes, heldSamples, outputs, objective, threads);
  const before = judged.sqnr;
  const report = (
    tuned: HeldOutScore | undefined,
    kept: 'qat' | 'ptq',
    reason?: string,
  ): QatReport => ({
    settings: {
      steps,
      lr,
      scaleRate,
      zeroPointRate,
      batchSize,
      accumulate,
      clip,
      weightRate,
      evalEvery,
      learn,
      seed,
      loss,
      trainSamples: trainSamples.length,
      heldOutSamples: heldSamples.length,
      trainable: names.size,
    },
    before,
    after: tuned?.sqnr,
    decidedBy: byLoss ? 'loss' : rankedBy('auto', judged),
    heldOut: { before: figures(judged), ...(tuned === undefined ? {} : { after: figures(tuned) }) },
    lossBefore: judged.loss,
    lossAfter: tuned?.loss,
    kept,
    ...(reason === undefined ? {} : { reason }),
    losses,
    graphBefore: loop.start.sqnr,
    graphBest: loop.best.sqnr,
    bestStep: loop.bestStep,
    clipped: loop.clipped,
    trainMs,
  });
  // PTQ kept: calibrated on every sample, held-out ones included, as the same data without --qat.
  const keepPtq = async (why: string, tuned?: { bytes: Uint8Array; score: HeldOutScore }) => {
    const whole = await ptqOnAll(modelBytes, train, heldOut, options, ptq);
    const all = allBatchesNote(whole, ptq, train, heldOut);
    return {
      static: whole,
      bytes: whole.bytes,
      ...(tuned === undefined ? {} : { tuned: tuned.bytes }),
      report: report(tuned?.score, 'ptq', `${why}; the PTQ model is kept${all}`),
    };
  };
  if (nan) return keepPtq(`the loss or a parameter was not finite at step ${losses.length}`);
  if (loop.bestStep === 0 && steps > 0)
    return keepPtq(
      byLoss
        ? `no measured step lowered the held-out loss below the start (${loop.start.loss!.toPrecision(4)} in the training graph)`
        : `no measured step improved on the start's held-out agreement (${formatFigures(loop.start)} in the training graph)`,
    );
  const built = buildQuantized(
    prepared,
    buildOptions,
    source,
    learnedValues(training, program, names),
  );
  const after = await judgeBytes(built.bytes, heldSamples, outputs, objective, threads);
  const improved = byLoss
    ? after.loss < judged.loss
    : replaces('auto', figures(after), figures(judged));
  if (!improved) {
    const why = byLoss
      ? `held-out loss did not improve (${after.loss.toPrecision(4)} vs PTQ's ${judged.loss.toPrecision(4)})`
      : `held-out figures did not all hold or improve (${formatFigures(after)} vs PTQ's ${formatFigures(judged)})`;
    return keepPtq(why, { bytes: built.bytes, score: after });
  }
  return { static: ptq, bytes: built.bytes, tuned: built.bytes, report: report(after, 'qat') };
}

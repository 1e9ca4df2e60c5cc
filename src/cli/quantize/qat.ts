// `zeropoint quantize MODEL --calib PATH -o OUT --qat [--steps N] [--lr X] [--batch-size B]
// [--accumulate K] [--learn weights|scales|both] [--holdout N] [--loss module.js]`: static INT8,
// then quantization-aware fine-tuning by distillation from the fp32 model, or by the user's loss
// module (api/'s quantizeQat), with a progress line of step, loss and held-out SQNR on stderr.
// Flags in, one library call, the file written atomically. Not the training (qat/).
import { quantizeQat, type LossFunction, type QuantizeQatResult } from '../../api/index.js';
import { fail, isZeropointError } from '../../core/errors.js';
import { modelInputs } from '../../ptq/index.js';
import { formatFigures, type HeldOutFigures } from '../../qat/held-out-judge.js';
import type { LearnMode } from '../../qat/qat-recipe.js';
import { progressBar } from '../common/progress.js';
import { openCalibrationData } from '../io/calib-data.js';
import { readModelFile } from '../io/read-inputs.js';
import { importFunction } from '../io/user-module.js';
import { checkOutputPaths, checkWritable, writeAtomic } from '../io/write-atomic.js';
import { imageFromFlags, planFromFlags, type QuantizeFlags } from './flags.js';

/** The --qat flags as commander hands them over. */
export interface QatFlags {
  readonly qat?: boolean;
  readonly steps?: string;
  readonly lr?: string;
  readonly learn?: string;
  readonly accumulate?: string;
  readonly loss?: string;
}

/** [flags, description] of each option, for the command to register. */
export const QAT_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--qat',
    'after static quantization, fine-tune weights, biases and scales on --calib by distillation ' +
      'from the fp32 outputs (quantization-aware training; the last --holdout batches judge it, ' +
      'and the PTQ model, calibrated on all of --calib, is kept unless QAT improves their KL ' +
      'from fp32 where outputs are ' +
      'distributions or logits, else their output SQNR, with no other held-out figure worse); ' +
      'with --weights: ' +
      'the block codes are fine-tuned instead (weight-only QAT, blocked DequantizeLinear)',
  ],
  [
    '--steps <n>',
    'with --qat: optimizer steps (default 16); held-out KL, top-1 and SQNR are measured every eighth of them ' +
      'and the best measured state is written',
  ],
  [
    '--lr <x>',
    'with --qat: Adam learning rate of weights and biases (default 1e-5; scales follow)',
  ],
  [
    '--learn <what>',
    'with --qat: weights|scales|both (default both; with --weights: weights|both, default weights)',
  ],
  [
    '--loss <module.js>',
    'with --qat: fine-tune against labels instead of the fp32 outputs. The module exports ' +
      'loss(outputs, sample) returning { loss, grad }: outputs[name] = { dims, data } of one ' +
      'sample, sample = { index, file, inputs, reference } (its position in --calib, its file ' +
      'when each sample is one file, its inputs, the fp32 outputs), grad[name] a Float32Array ' +
      "dL/d(output) of the output's length. The held-out batches' loss then picks the kept " +
      'step and QAT-vs-PTQ (SQNR is still reported). Example: examples/ppocr-ctc-loss.mjs ' +
      '(CTC on the PP-OCR recognizer, labels.json beside the calibration files)',
  ],
  [
    '--accumulate <n>',
    'with --qat: batches whose gradients are summed into each update, for a larger effective ' +
      'batch at the memory of one (default 1)',
  ],
];

/** True when the flags ask for --qat (and its own flags are not given without it). */
export function wantsQat(flags: QatFlags): boolean {
  const stray = (['steps', 'lr', 'learn', 'accumulate', 'loss'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  if (flags.qat !== true && stray.length > 0) {
    fail('bad-argument', `${stray.map((k) => `--${k}`).join(', ')} need --qat`);
  }
  return flags.qat === true;
}

/** A flag's positive number (an integer where `integer`), or undefined when not given. */
export function positiveFlag(
  text: string | undefined,
  flag: string,
  integer: boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    fail(
      'bad-argument',
      `${flag} takes a positive ${integer ? 'integer' : 'number'}, not '${text}'`,
    );
  }
  return n;
}

/** The numbers both --qat paths take (static and --weights), checked; absent ones left out. */
export interface TrainingNumbers {
  readonly threads?: number;
  readonly steps?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  readonly accumulate?: number;
  readonly holdout?: number;
}

/**
 * The model file, the training flags' numbers and the calibration data opened for training:
 * what static `--qat` and `--weights ... --qat` read before their one library call.
 */
export async function openTraining(
  modelPath: string,
  calib: string,
  flags: QuantizeFlags & QatFlags,
) {
  const { bytes, model } = readModelFile(modelPath);
  checkWritable(flags.output);
  const given: Record<keyof TrainingNumbers, number | undefined> = {
    threads: positiveFlag(flags.threads, '--threads', true),
    steps: positiveFlag(flags.steps, '--steps', true),
    lr: positiveFlag(flags.lr, '--lr', false),
    batchSize: positiveFlag(flags.batchSize, '--batch-size', true),
    accumulate: positiveFlag(flags.accumulate, '--accumulate', true),
    holdout: positiveFlag(flags.holdout, '--holdout', true),
  };
  const numbers: TrainingNumbers = Object.fromEntries(
    Object.entries(given).filter(([, v]) => v !== undefined),
  );
  const data = await openCalibrationData(calib, modelInputs(model), {
    ...(numbers.threads === undefined ? {} : { threads: numbers.threads }),
    image: imageFromFlags(flags),
  });
  return { bytes, numbers, data };
}

/** The progress line of a training step on stderr (a terminal only); `bar` stops at the first. */
export function stepLine(
  bar: { stop(): void },
  quiet: boolean,
): (step: number, steps: number, loss: number, heldOut?: HeldOutFigures) => void {
  const tty = !quiet && process.stderr.isTTY;
  return (step, steps, loss, heldOut) => {
    bar.stop();
    if (!tty) return;
    // "held-out top-1 97.27 %, KL 0.0123, 24.51 dB[, loss ...]" on measured steps.
    const held = heldOut === undefined ? '' : `, held-out ${formatFigures(heldOut)}`;
    process.stderr.write(
      `\rtraining: step ${step}/${steps}, loss ${loss.toExponential(3)}${held}   `,
    );
    if (step === steps) process.stderr.write('\n');
  };
}

/** Runs --qat and writes the model; returns the report (printing is the caller's). */
export async function runQatQuantize(
  modelPath: string,
  flags: QuantizeFlags & QatFlags,
): Promise<QuantizeQatResult['report']> {
  checkOutputPaths(modelPath, flags.output, flags.cache);
  if (flags.calib === undefined) fail('bad-argument', '--qat needs calibration data: --calib PATH');
  if (flags.cache !== undefined)
    fail('bad-argument', '--qat calibrates on its training split; drop --cache');
  const learn = flags.learn ?? 'both';
  if (!['weights', 'scales', 'both'].includes(learn)) {
    fail('bad-argument', `--learn takes weights|scales|both, not '${learn}'`);
  }
  const { plan, method, observerOptions } = planFromFlags(flags);
  const { bytes, numbers, data } = await openTraining(modelPath, flags.calib, flags);
  const loss = flags.loss === undefined ? undefined : await loadLoss(flags.loss, data.files);
  const quiet = flags.json === true;
  const bar = progressBar(data.samples, 'calibrating', { quiet });
  const line = stepLine(bar, quiet);
  try {
    const { model: out, report } = await quantizeQat(bytes, data.batches, {
      ...plan,
      method,
      observerOptions,
      learn: learn as LearnMode,
      ...(loss === undefined ? {} : { loss, lossName: `loss module ${flags.loss}` }),
      ...numbers,
      files: { input: modelPath, output: flags.output },
      onProgress: (_stage, done, total) => bar.update(done, total),
      onStep: (s) => line(s.step, s.steps, s.loss, s.heldOut),
    });
    writeAtomic(flags.output, out);
    return report;
  } finally {
    bar.stop();
  }
}

/**
 * The `loss` export of the module at `path`, given each sample's file from `files` (when every
 * sample is one file); what it throws becomes `bad-file` naming the module and the sample.
 */
export async function loadLoss(
  path: string,
  files: readonly string[] | undefined,
): Promise<LossFunction> {
  const signature = 'loss(outputs, sample) returning { loss, grad }';
  const loss = (await importFunction(path, 'loss', 'loss module', signature)) as LossFunction;
  return (outputs, sample) => {
    const file = files?.[sample.index];
    try {
      return loss(outputs, { ...sample, ...(file === undefined ? {} : { file }) });
    } catch (error) {
      if (isZeropointError(error)) throw error;
      const at = file === undefined ? '' : ` (${file})`;
      return fail(
        'bad-file',
        `loss module ${path} failed on sample ${sample.index}${at}: ${(error as Error).message}`,
        { file: path, sample: sample.index },
      );
    }
  };
}

/** Held-out samples below which the QAT-vs-PTQ choice gets a caution line. */
const FEW_HELD_OUT = 16;

/** The lines `--qat` adds under the static table. */
export function formatQat(report: QuantizeQatResult['report']): string[] {
  const q = report.qat;
  const s = q.settings;
  return [
    `qat: ${s.steps} steps of ${s.batchSize}${s.accumulate > 1 ? ` x ${s.accumulate}` : ''} on ${s.trainSamples} samples (${s.heldOutSamples} held out), ` +
      `lr ${s.lr}, learn ${s.learn}, loss ${s.loss}, ${(q.trainMs / 1000).toFixed(1)} s`,
    `training graph held-out SQNR: start ${q.graphBefore.toFixed(2)} dB, best ${q.graphBest.toFixed(2)} dB ` +
      `at step ${q.bestStep} (the state written back)`,
    ...(q.decidedBy === 'loss'
      ? [
          `held-out loss (the module's, which decides): PTQ ${q.lossBefore.toPrecision(4)} -> QAT ` +
            (q.lossAfter === undefined ? 'n/a' : q.lossAfter.toPrecision(4)),
        ]
      : []),
    `held-out (${q.decidedBy} decides): PTQ ${formatFigures(q.heldOut.before)} -> QAT ` +
      `${q.heldOut.after === undefined ? 'n/a' : formatFigures(q.heldOut.after)}; ` +
      (q.kept === 'qat' ? 'wrote the fine-tuned model' : (q.reason ?? 'kept the PTQ model')),
    // Measured: 4 held-out recognizer lines kept a QAT model reading 98.9 % of fp32's
    // characters on other text where PTQ read 99.4 % (docs/design.md, QAT against labels).
    ...(s.heldOutSamples < FEW_HELD_OUT
      ? [
          `caution: ${s.heldOutSamples} held-out samples judged QAT against PTQ; so few make ` +
            `that choice noisy: give --calib more samples (${FEW_HELD_OUT * 4} or more for ` +
            `${FEW_HELD_OUT} held out at the default quarter) or a larger --holdout`,
        ]
      : []),
  ];
}

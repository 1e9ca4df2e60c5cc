// `zeropoint quantize MODEL --calib PATH -o OUT --adaround [--iterations N] [--holdout N]`:
// static INT8 whose Conv/MatMul/Gemm weights round up or down as learned layer by layer on the
// calibration data (AdaRound, api/'s quantizeAdaround), with a progress line per layer on
// stderr. Flags in, one library call, the file written atomically. Not the rounding (qat/).
import { quantizeAdaround, type QuantizeAdaroundResult } from '../../api/index.js';
import { fail } from '../../core/errors.js';
import { modelInputs } from '../../ptq/index.js';
import { progressBar } from '../common/progress.js';
import { openCalibrationData } from '../io/calib-data.js';
import { readModelFile } from '../io/read-inputs.js';
import { checkOutputPaths, checkWritable, writeAtomic } from '../io/write-atomic.js';
import { imageFromFlags, planFromFlags, type QuantizeFlags } from './flags.js';

/** The --adaround flags as commander hands them over. */
export interface AdaroundFlags {
  readonly adaround?: boolean;
  readonly iterations?: string;
}

/** [flags, description] of each option, for the command to register. */
export const ADAROUND_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--adaround',
    'static INT8 whose Conv/MatMul/Gemm weights round up or down as learned layer by layer ' +
      'on --calib (AdaRound: each layer output against fp32, inputs from the quantized model; ' +
      'the last --holdout batches judge it, and plain rounding is kept when their output SQNR ' +
      'does not improve)',
  ],
  ['--iterations <n>', 'with --adaround: Adam steps per layer (default 500)'],
];

/** True when the flags ask for --adaround (and --iterations is not given without it). */
export function wantsAdaround(flags: AdaroundFlags): boolean {
  if (flags.adaround !== true && flags.iterations !== undefined) {
    fail('bad-argument', '--iterations needs --adaround');
  }
  return flags.adaround === true;
}

function positive(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0 && Number.isInteger(n))) {
    fail('bad-argument', `${flag} takes a positive integer, not '${text}'`);
  }
  return n;
}

/** Runs --adaround and writes the model; returns the report (printing is the caller's). */
export async function runAdaroundQuantize(
  modelPath: string,
  flags: QuantizeFlags & AdaroundFlags,
): Promise<QuantizeAdaroundResult['report']> {
  checkOutputPaths(modelPath, flags.output, flags.cache);
  if (flags.calib === undefined) {
    fail('bad-argument', '--adaround needs calibration data: --calib PATH');
  }
  if (flags.cache !== undefined) {
    fail('bad-argument', '--adaround calibrates on its learning split; drop --cache');
  }
  const { bytes, model } = readModelFile(modelPath);
  checkWritable(flags.output);
  const { plan, method, observerOptions } = planFromFlags(flags);
  const threads = positive(flags.threads, '--threads');
  const iterations = positive(flags.iterations, '--iterations');
  const holdout = positive(flags.holdout, '--holdout');
  const data = await openCalibrationData(flags.calib, modelInputs(model), {
    ...(threads === undefined ? {} : { threads }),
    image: imageFromFlags(flags),
  });
  const quiet = flags.json === true;
  const bar = progressBar(data.samples, 'calibrating', { quiet });
  const tty = !quiet && process.stderr.isTTY;
  try {
    const { model: out, report } = await quantizeAdaround(bytes, data.batches, {
      ...plan,
      method,
      observerOptions,
      ...(iterations === undefined ? {} : { iterations }),
      ...(holdout === undefined ? {} : { holdout }),
      ...(threads === undefined ? {} : { threads }),
      files: { input: modelPath, output: flags.output },
      onProgress: (_stage, done, total) => bar.update(done, total),
      onLayer: (done, total, node) => {
        bar.stop();
        if (!tty) return;
        process.stderr.write(`\rrounding: layer ${done}/${total} (${node})`.padEnd(79) + ' ');
        if (done === total) process.stderr.write('\n');
      },
    });
    writeAtomic(flags.output, out);
    return report;
  } finally {
    bar.stop();
  }
}

/** The lines `--adaround` adds under the static table. */
export function formatAdaround(report: QuantizeAdaroundResult['report']): string[] {
  const a = report.adaround;
  const learned = a.layers.filter((l) => l.learned);
  const flipped = a.layers.reduce((n, l) => n + l.flipped, 0);
  const mean = (f: (l: (typeof a.layers)[number]) => number) =>
    a.layers.reduce((s, l) => s + f(l), 0) / Math.max(1, a.layers.length);
  return [
    `adaround: ${a.layers.length} layers (${a.skipped.length} weights left as rounded), ` +
      `${a.settings.iterations} iterations each on ${a.settings.trainSamples} samples ` +
      `(${a.settings.heldOutSamples} held out), ${(a.ms / 1000).toFixed(1)} s`,
    `  learned rounding beat nearest in ${learned.length} layers, ${flipped} weights flipped; ` +
      `mean layer output error ${(mean((l) => l.nearest) * 100).toFixed(3)} % -> ` +
      `${(mean((l) => l.error) * 100).toFixed(3)} %`,
    `held-out output SQNR: PTQ ${a.before.toFixed(2)} dB -> AdaRound ${a.after.toFixed(2)} dB; ` +
      (a.kept === 'adaround' ? 'wrote the rounded model' : (a.reason ?? 'kept the PTQ model')),
  ];
}

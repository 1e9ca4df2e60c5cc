// The quantize command's verdict flags and line: --no-verdict, --prefer size|speed|balanced,
// --max-latency 0.8x (with --threads for the timing), the inputs the timing runs on (the first
// calibration batch, else generated inputs sized as `zeropoint bench` sizes them; the first few
// batches for the other recipes' agreement check), the variants
// judged per mode (advise/quantize-verdict.ts) and the line a person reads. Not the recipes.
import {
  judgeOne,
  judgeWeights,
  PREFERENCES,
  type Preference,
  type StaticVerdict,
  type Verdict,
  type VerdictOptions,
} from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import type { Feeds } from '../../ptq/index.js';
import { generatedFeeds, inputSpecs } from '../bench/inputs.js';
import type { ModeOptions } from './modes.js';

/**
 * The flags as commander hands them over: commander sets `verdict` true unless --no-verdict;
 * absent (a caller other than the command line, such as the fuzzer), no verdict is measured.
 */
export interface VerdictFlags {
  readonly verdict?: boolean;
  readonly prefer?: string;
  readonly maxLatency?: string;
  readonly threads?: string;
}

/** [flags, description] of each option, for the command to register with `.option()`. */
export const VERDICT_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--no-verdict',
    "skip timing the output against fp32 on this machine (the verdict's extra seconds)",
  ],
  ['--prefer <goal>', 'balanced (default: smallest no slower than fp32 within 5 %) | size | speed'],
  ['--max-latency <x>', "hard limit on latency as a multiple of fp32's, e.g. 0.8x"],
];

/** VerdictOptions from the flags; undefined with --no-verdict. */
export function verdictFromFlags(flags: VerdictFlags): VerdictOptions | undefined {
  if (flags.verdict !== true) {
    if (flags.prefer !== undefined || flags.maxLatency !== undefined) {
      fail('bad-argument', '--prefer and --max-latency need the verdict: drop --no-verdict');
    }
    return undefined;
  }
  const prefer = flags.prefer ?? 'balanced';
  if (!(PREFERENCES as readonly string[]).includes(prefer)) {
    fail('bad-argument', `--prefer takes ${PREFERENCES.join('|')}, not '${prefer}'`);
  }
  const threads = flags.threads === undefined ? 1 : Number(flags.threads);
  let maxLatency: number | undefined;
  if (flags.maxLatency !== undefined) {
    maxLatency = Number(flags.maxLatency.replace(/x$/i, ''));
    if (!(maxLatency > 0)) {
      fail(
        'bad-argument',
        `--max-latency takes a multiple of fp32's latency such as 0.8x, not '${flags.maxLatency}'`,
      );
    }
  }
  return {
    prefer: prefer as Preference,
    threads,
    ...(maxLatency === undefined ? {} : { maxLatency }),
  };
}

/** Tokens in a generated id input along each dynamic axis past the batch (quantize has no --dim). */
export const VERDICT_SEQUENCE = 16;

/**
 * The timing inputs: `first` (a calibration batch) or generated ones for the model's inputs.
 * Generated token ids (int64 / int32 inputs) are zeros, a valid id in any vocabulary, and a
 * sequence of VERDICT_SEQUENCE where the model leaves its length open; never random values.
 */
export function verdictFeeds(model: ModelProto, first: Feeds | undefined): Feeds {
  if (first !== undefined) return first;
  const specs = inputSpecs(model);
  const sequences = specs
    .filter((s) => s.type === 'int64' || s.type === 'int32')
    .flatMap((s) =>
      s.dims.flatMap((d, axis) =>
        axis > 0 && typeof d !== 'number' && !/batch/i.test(d ?? '')
          ? [[`${s.name}:${axis}`, VERDICT_SEQUENCE] as const]
          : [],
      ),
    );
  return generatedFeeds(specs, new Map(sequences));
}

/** --dynamic / --weights: judges the mode's output and returns the bytes to write. */
export async function modeVerdict(
  fp32: Uint8Array,
  bytes: Uint8Array,
  mode: ModeOptions,
  feeds: Feeds,
  verdict: VerdictOptions,
): Promise<{ bytes: Uint8Array; verdict: Verdict }> {
  const judged =
    mode.mode === 'weights'
      ? await judgeWeights(fp32, bytes, mode.options, feeds, verdict)
      : await judgeOne(fp32, bytes, 'dynamic', feeds, verdict);
  return { bytes: judged.bytes, verdict: judged.verdict };
}

/** The chosen label, and its size when another recipe's output replaces the static model. */
function written(v: StaticVerdict): string {
  const other = v.modes?.checks.some((c) => c.label === v.chosen) === true;
  const bytes = v.candidates.find((c) => c.label === v.chosen)?.bytes ?? 0;
  const size = bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
  return other ? `${v.chosen} (${size}, in place of the static int8 model above)` : v.chosen!;
}

/**
 * The verdict as the command prints it: the sentence, the variant written, the other variants
 * timed, and (static runs) how closely the other recipes' outputs followed fp32.
 */
export function formatVerdict(v: StaticVerdict): string {
  const others = v.candidates
    .filter((c) => c.label !== v.chosen)
    .map((c) => `${c.label} ${c.latency.toFixed(2)}x`);
  const db = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} dB`);
  const modes =
    v.modes === undefined
      ? []
      : [
          `  other recipes, output SQNR vs fp32 on ${v.modes.samples} calibration batch(es) ` +
            `(static int8 ${db(v.modes.staticSqnrDb)}): ` +
            v.modes.checks
              .map((c) => `${c.label} ${db(c.sqnrDb)}${c.admitted ? '' : ' (not admitted)'}`)
              .join(', '),
        ];
  return [
    `verdict: ${v.words}`,
    ...(v.chosen === undefined || v.candidates.length < 2 ? [] : [`  written: ${written(v)}`]),
    ...(others.length === 0 ? [] : [`  also timed (vs fp32): ${others.join(', ')}`]),
    ...modes,
  ].join('\n');
}

/** Fails after printing when --max-latency could not be met (the default output is written). */
export function checkMaxLatency(v: Verdict): void {
  if (v.chosen === undefined) {
    fail(
      'bad-argument',
      `--max-latency ${v.maxLatency ?? ''}x not met (see the verdict); the default output was written`,
    );
  }
}

// The report of a static quantization (what `zeropoint quantize --json` prints and the API's
// quantizeStatic and quantizeAdvised return), and the one function that assembles it, for the
// plain recipe and the advised one alike, with the range guard's fallbacks counted per method.
// Not its formatting for a person (cli/quantize/quantize-command.ts prints it).
import type { AdviceSummary } from '../advise/index.js';
import { RANGE_GUARD_DB } from '../observers/index.js';
import { summarizePlan, type PlanSummary } from '../passes/index.js';
import type { EqualizeReport } from '../passes/index.js';
import type { BuiltModel, RangeFallback, SmoothReport } from '../ptq/index.js';

/** The JSON report of a static quantization run. */
export interface QuantizeReport {
  /** The model's name or path, as the caller gave it. */
  readonly input: string;
  /** Where the caller writes the quantized model (null: not said). */
  readonly output: string | null;
  readonly mode: 'static';
  readonly method: string;
  readonly activations: PlanSummary['activation'] & { readonly storage: string };
  readonly samples: number;
  readonly calibrationMs: number;
  readonly cache: string | null;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  /** Conv biases corrected for the mean shift of weight rounding (0 without --bias-correction). */
  readonly biasCorrected: number;
  /** Tensors whose clipped range the range guard replaced by min/max, counted per method. */
  readonly rangeFallbacks: {
    readonly count: number;
    readonly byMethod: Readonly<Record<string, number>>;
    readonly tensors: readonly RangeFallback[];
  };
  readonly plan: PlanSummary;
  readonly notes: readonly string[];
  /** With --activations auto or --target: the advisor's decisions and search trials. */
  readonly advice?: AdviceSummary;
  /** With --equalize: the conv pairs equalized, and the conv inputs that could not be and why. */
  readonly equalize?: EqualizeReport;
  /** With --smooth-quant: alpha, how it was chosen, and each MatMul input smoothed or not. */
  readonly smoothQuant?: SmoothReport;
  /**
   * Exact integer rewrites of the QDQ graph: nearest upsamples, 3-channel conv inputs padded,
   * DepthToSpace on integers.
   */
  readonly integerRewrites?: BuiltModel['rewrites'];
}

/** What a static run produced, as quantizeReport takes it. */
export interface StaticRun {
  readonly input: string;
  readonly output: string | undefined;
  readonly cache: string | undefined;
  readonly method: string;
  readonly sizeBefore: number;
  readonly built: Pick<BuiltModel, 'bytes' | 'plan' | 'insert' | 'fallbacks'> &
    Partial<Pick<BuiltModel, 'rewrites'>>;
  readonly samples: number;
  /** 0 when the statistics came from a cache. */
  readonly calibrationMs: number;
  /** How activations are stored, when the advisor decided it. */
  readonly storage?: string;
  readonly notes: readonly string[];
  readonly advice?: AdviceSummary;
  readonly equalize?: EqualizeReport;
  readonly smoothQuant?: SmoothReport;
}

/** The report of a static run (plain or advised). */
export function quantizeReport(run: StaticRun): QuantizeReport {
  const { built } = run;
  const summary = summarizePlan(built.plan);
  const { scheme, qtype } = summary.activation;
  const storage =
    run.storage ??
    (scheme === 'symmetric' && qtype === 'uint8'
      ? 'symmetric grid stored as uint8 with zero point 128 (fast uint8 x int8 kernels)'
      : qtype);
  const meansMissing = built.plan.channelMeans.length > 0 && built.insert.correctedBias === 0;
  const byMethod: Record<string, RangeFallback[]> = {};
  for (const f of built.fallbacks) (byMethod[f.method] ??= []).push(f);
  return {
    input: run.input,
    output: run.output ?? null,
    mode: 'static',
    method: run.method,
    activations: { ...summary.activation, storage },
    samples: run.samples,
    calibrationMs: run.calibrationMs,
    cache: run.cache ?? null,
    sizeBefore: run.sizeBefore,
    sizeAfter: built.bytes.length,
    biasCorrected: built.insert.correctedBias,
    rangeFallbacks: {
      count: built.fallbacks.length,
      byMethod: Object.fromEntries(Object.entries(byMethod).map(([m, fs]) => [m, fs.length])),
      tensors: built.fallbacks,
    },
    plan: summary,
    notes: [
      ...run.notes,
      ...(meansMissing
        ? [
            'bias correction: the calibration cache holds no channel means; calibrate again to correct biases',
          ]
        : []),
      ...Object.entries(byMethod).map(([method, fs]) => guardNote(method, fs)),
    ],
    ...(run.advice === undefined ? {} : { advice: run.advice }),
    ...(run.equalize === undefined ? {} : { equalize: run.equalize }),
    ...(run.smoothQuant === undefined ? {} : { smoothQuant: run.smoothQuant }),
    ...(built.rewrites === undefined ? {} : { integerRewrites: built.rewrites }),
  };
}

/** The note on one method's fallbacks, naming the worst. */
function guardNote(method: string, fallbacks: readonly RangeFallback[]): string {
  const loss = (f: RangeFallback): number => f.minmaxSqnrDb - f.sqnrDb;
  const worst = fallbacks.reduce((w, f) => (loss(f) > loss(w) ? f : w));
  const db = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} dB` : 'exact');
  return (
    `range guard: ${fallbacks.length} tensor(s) keep their min/max range, as ${method}'s range ` +
    `expected more than ${RANGE_GUARD_DB} dB less SQNR on the calibration histogram ` +
    `(worst: ${worst.tensor}, ${db(worst.sqnrDb)} against ${db(worst.minmaxSqnrDb)})`
  );
}

// The public quantizeStatic: model bytes and calibration feeds in, the QDQ model and the report
// `zeropoint quantize --json` prints out, with progress and an AbortSignal. Wraps ptq/'s
// runStaticRecipe (prepare, plan, calibrate, build, check by running) and report/'s
// quantizeReport; with `verdict`, the variant advise/'s judgeStatic picks on this machine, as
// `zeropoint quantize` writes it. Not reading or writing files (cli/ and the studio do).
import {
  AGREEMENT_SAMPLES,
  judgeStatic,
  keepSamples,
  weighedExcludes,
  type StaticVerdict,
  type VerdictOptions,
} from '../advise/index.js';
import { fail } from '../core/errors.js';
import type { ObserverKind } from '../observers/index.js';
import {
  runStaticRecipe,
  type Feeds,
  type CalibrationResult,
  type StaticOptions,
  type StaticResult,
} from '../ptq/index.js';
import { quantizeReport, type QuantizeReport } from '../report/index.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** The names the report gives the model, its output and a cache (the CLI passes its paths). */
export interface ReportFiles {
  /** The float model (default 'model'). */
  readonly input?: string;
  /** Where the quantized model goes (default: null in the report). */
  readonly output?: string;
  /** Where the calibration statistics go (default: null in the report). */
  readonly cache?: string;
}

/**
 * Options of quantizeStatic: the plan (activations, weightGranularity, exclude, include,
 * tensors, biasCorrection...), the calibration (method, observerOptions, batchSize, cache,
 * rangeGuard), and progress, signal and threads.
 */
export interface QuantizeStaticOptions extends Omit<StaticOptions, 'onProgress'>, RunOptions {
  /** Calibration method (default percentile). */
  readonly method?: ObserverKind;
  /** How the report names the files. */
  readonly files?: ReportFiles;
  /**
   * Time the output against fp32 on this machine (first calibration batch) and return the
   * variant `verdict.prefer` picks, as `zeropoint quantize` does; needs feeds. Off by default.
   */
  readonly verdict?: VerdictOptions;
}

/** Options the verdict's variants are built without (the CLI's: plan and ranges only). */
const VERDICT_DROPS = ['equalize', 'smoothQuant', 'observeHost', 'cache', 'onProgress'];

/** A quantized model and its report. */
export interface QuantizeStaticResult {
  /** The QDQ model's bytes (checked: onnxruntime ran it on the first calibration batch). */
  readonly model: Uint8Array;
  readonly report: QuantizeReport;
  /** The calibration statistics (JSON.stringify it to save a cache; pass it back as `cache`). */
  readonly calibration: CalibrationResult;
  /** With `options.verdict`: the variants timed and the one `model` holds. */
  readonly verdict?: StaticVerdict;
}

/**
 * Statically quantizes `model` (ONNX bytes, float32) to INT8 QDQ, calibrating activation ranges
 * on `feeds`; `feeds` may be undefined only when `options.cache` is given.
 */
export async function quantizeStatic(
  model: Uint8Array,
  feeds: CalibrationFeeds | undefined,
  options: QuantizeStaticOptions = {},
): Promise<QuantizeStaticResult> {
  checkAborted(options.signal);
  const { signal, files, verdict, ...recipe } = options;
  if (verdict !== undefined && feeds === undefined) {
    fail('bad-argument', 'the verdict times the model on calibration feeds: pass feeds');
  }
  const samples: Feeds[] = [];
  const batches = feeds === undefined ? undefined : toBatches(feeds, signal);
  const result = await runStaticRecipe(
    model,
    batches === undefined || verdict === undefined
      ? batches
      : keepSamples(batches, AGREEMENT_SAMPLES, samples),
    {
      ...recipe,
      ...(verdict === undefined
        ? {}
        : { alsoCalibrate: [...(recipe.alsoCalibrate ?? []), ...weighedExcludes()] }),
      onProgress: stageProgress(options, 'calibrating'),
    },
  );
  checkAborted(signal);
  const report = staticReport(model, result, { files, method: options.method });
  if (verdict === undefined)
    return { model: result.bytes, report, calibration: result.calibration };
  // The variants are built as the CLI builds them: the plan and ranges, without the rewrites.
  const plan = Object.fromEntries(
    Object.entries(recipe).filter(([k]) => !VERDICT_DROPS.includes(k)),
  ) as StaticOptions;
  const judged = await judgeStatic(
    model,
    result,
    plan,
    samples[0]!,
    { ...verdict, ...(signal === undefined ? {} : { signal }) },
    samples,
  );
  return { model: judged.bytes, report, calibration: result.calibration, verdict: judged.verdict };
}

/**
 * The report of a static recipe's result (`bytes`: the model shipped, by default the recipe's),
 * with `notes` after the calibration's and the kept-float ones; quantizeQat's PTQ part too.
 */
export function staticReport(
  model: Uint8Array,
  result: StaticResult,
  options: { readonly files?: ReportFiles | undefined; readonly method?: ObserverKind | undefined },
  bytes: Uint8Array = result.bytes,
  notes: readonly string[] = [],
): QuantizeReport {
  const { files } = options;
  return quantizeReport({
    input: files?.input ?? 'model',
    output: files?.output,
    cache: files?.cache,
    method: options.method ?? 'percentile',
    sizeBefore: model.length,
    built: { ...result, bytes },
    samples: result.calibration.samples,
    calibrationMs: result.calibrationMs,
    ...(result.equalize === undefined ? {} : { equalize: result.equalize }),
    ...(result.smoothQuant === undefined ? {} : { smoothQuant: result.smoothQuant }),
    notes: [
      ...result.calibration.notes.map((n) => JSON.stringify(n)),
      ...result.keptFloat.map(
        (k) => `${k.node}: kept float, onnxruntime could not run its quantized form (${k.reason})`,
      ),
      ...notes,
    ],
  });
}

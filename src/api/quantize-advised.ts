// The public quantizeAdvised: profile the model, apply the configuration the advisor measured
// best (or the given activation mode), and with a target search fallbacks on held-out batches
// until it holds. Returns the model and the report `zeropoint quantize --activations auto
// --json` prints (the static report plus the advice). Wraps advise/'s runAdvisedRecipe.
// Not reading files, loading a metric module or writing (cli/ and the studio do).
import {
  DEFAULT_TRIALS,
  runAdvisedRecipe,
  type AdviceSummary,
  type AdvisedOptions,
  type ModelProfile,
} from '../advise/index.js';
import { fail } from '../core/index.js';
import type { CalibrationResult } from '../ptq/index.js';
import { quantizeReport, type QuantizeReport } from '../report/index.js';
import type { CalibrationFeeds } from './feeds.js';
import { recipeOptions, type ProfileModelOptions } from './profile-model.js';
import type { ReportFiles } from './quantize-static.js';
import { checkAborted } from './run-options.js';
import { splitFeeds } from './split-feeds.js';

/** Options of quantizeAdvised: the profile's, and what to apply (auto) and search (target). */
export interface QuantizeAdvisedOptions
  extends
    Omit<ProfileModelOptions, 'html' | 'sensitivity'>,
    Pick<AdvisedOptions, 'target' | 'score' | 'metricName' | 'trials' | 'onTrial' | 'latency'> {
  /** Apply the measured-best configuration (default true) or `plan.activations` as given. */
  readonly auto?: boolean;
  /** How the report names the files. */
  readonly files?: ReportFiles;
}

/** The report of an advised quantization: the static report with the advisor's decisions. */
export type AdvisedReport = QuantizeReport & { readonly advice: AdviceSummary };

/** A quantized model, its report, the profile behind it and the calibration to reuse. */
export interface QuantizeAdvisedResult {
  readonly model: Uint8Array;
  readonly report: AdvisedReport;
  readonly profile: ModelProfile;
  readonly calibration: CalibrationResult;
}

/**
 * Quantizes `model` as the advisor recommends, calibrating on `feeds`; with `options.target`,
 * holds out the last batches (a quarter by default) and searches until the target holds there.
 */
export async function quantizeAdvised(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: QuantizeAdvisedOptions = {},
): Promise<QuantizeAdvisedResult> {
  checkAborted(options.signal);
  const started = Date.now();
  const { target } = options;
  const { data, heldOutBatches } = splitFeeds(feeds, options, target !== undefined);
  if (target !== undefined && heldOutBatches === 0) {
    fail(
      'bad-argument',
      'an accuracy target needs held-out batches: at least 2 batches of data, or holdout N',
    );
  }
  const trials = options.trials ?? DEFAULT_TRIALS;
  const { files } = options;
  const result = await runAdvisedRecipe({
    model,
    name: options.name ?? files?.input ?? 'model',
    ...data,
    ...recipeOptions(options),
    auto: options.auto ?? true,
    ...(target === undefined ? {} : { target }),
    ...(options.score === undefined ? {} : { score: options.score }),
    ...(options.metricName === undefined ? {} : { metricName: options.metricName }),
    ...(options.trials === undefined ? {} : { trials: options.trials }),
    ...(options.latency === undefined ? {} : { latency: options.latency }),
    onTrial: (trial) => {
      options.onTrial?.(trial);
      options.onProgress?.('search', trial.index, trials);
      checkAborted(options.signal);
    },
  });
  checkAborted(options.signal);
  const { built, profiled, advice } = result;
  const p = profiled.profile;
  const report: AdvisedReport = {
    ...quantizeReport({
      input: files?.input ?? 'model',
      output: files?.output,
      cache: files?.cache,
      method: options.method ?? 'percentile',
      sizeBefore: model.length,
      built,
      samples: p.samples.calibration,
      calibrationMs: profiled.cached ? 0 : Date.now() - started,
      storage: p.hardware.storage.reason,
      notes: p.warnings,
    }),
    advice,
  };
  return { model: built.bytes, report, profile: p, calibration: profiled.calibration };
}

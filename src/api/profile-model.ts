// The public profileModel: model bytes and calibration feeds in, the profile report out (the
// document `zeropoint profile --json` writes: per-tensor statistics, symmetric and asymmetric
// candidates, a recommendation with its reason, measured errors and layer sensitivity), with the
// calibration to reuse and, when asked, the HTML page. Wraps advise/'s runProfileRecipe.
// Not reading files or writing them (cli/ and the studio do).
import type { HardwareInput, ProfileOptions, RangeMethod } from '../advise/index.js';
import { runProfileRecipe } from '../advise/index.js';
import type { PlanOptions } from '../passes/index.js';
import type { CalibrationResult } from '../ptq/index.js';
import { htmlReport, profileDocument, type ProfileJSON, type ReportMeta } from '../report/index.js';
import type { CalibrationFeeds } from './feeds.js';
import { anyStageProgress, checkAborted, type RunOptions } from './run-options.js';
import { splitFeeds, type HoldoutOptions } from './split-feeds.js';

/** Options of profileModel. */
export interface ProfileModelOptions extends RunOptions, HoldoutOptions {
  /** The model's name in the report (default 'model'). */
  readonly name?: string;
  /** exclude, include, weightGranularity, tensors: as quantizeStatic takes them. */
  readonly plan?: PlanOptions;
  /** The calibration method recommendations take their ranges from (default percentile). */
  readonly method?: RangeMethod;
  /** The target machine's kernel costs (default: the built-in profile). */
  readonly hardware?: HardwareInput;
  /** Histogram statistics from an earlier run on the same model (calibration is skipped). */
  readonly cache?: CalibrationResult;
  /** Quantize one layer at a time on the held-out batches and rank the layers (default true). */
  readonly sensitivity?: boolean;
  /** Samples in the feeds, when known, for progress. */
  readonly total?: number;
  /** Also render the self-contained HTML report, stamped with this generator and date. */
  readonly html?: ReportMeta;
}

/** What profileModel returns. */
export interface ProfileModelResult {
  /** The profile as `zeropoint profile --json` writes it (Infinity stays a number here). */
  readonly report: ProfileJSON;
  /** The histograms it calibrated (or the cache it was given), to pass back as `cache`. */
  readonly calibration: CalibrationResult;
  /** The HTML report when `options.html` was given, else null. */
  readonly html: string | null;
}

/** Profiles every weight and activation of `model` on `feeds` and recommends a scheme for each. */
export async function profileModel(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: ProfileModelOptions = {},
): Promise<ProfileModelResult> {
  checkAborted(options.signal);
  const { data } = splitFeeds(feeds, options, true);
  const profiled = await runProfileRecipe({
    model,
    name: options.name ?? 'model',
    ...data,
    ...recipeOptions(options),
    ...(options.sensitivity === undefined ? {} : { sensitivity: options.sensitivity }),
  });
  checkAborted(options.signal);
  const { profile } = profiled;
  return {
    report: profileDocument(profile),
    calibration: profiled.calibration,
    html: options.html === undefined ? null : htmlReport(profile, options.html),
  };
}

/**
 * The profile recipe's options that profileModel and quantizeAdvised pass on as given (the
 * absent ones left out), and the advisor's progress (stage named by a string) as the API's,
 * checking the signal.
 */
export function recipeOptions(
  options: ProfileModelOptions,
): Pick<
  ProfileOptions,
  'cache' | 'hardware' | 'plan' | 'method' | 'threads' | 'observeHost' | 'total' | 'onProgress'
> {
  const progress = anyStageProgress(options);
  return {
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.hardware === undefined ? {} : { hardware: options.hardware }),
    ...(options.plan === undefined ? {} : { plan: options.plan }),
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.observeHost === undefined ? {} : { observeHost: options.observeHost }),
    ...(options.total === undefined ? {} : { total: options.total }),
    onProgress: (stage, done, total) =>
      progress(stage === 'sensitivity' ? 'sensitivity' : 'calibrating', done, total),
  };
}

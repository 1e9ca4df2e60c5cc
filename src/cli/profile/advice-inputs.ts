// The files `zeropoint profile` and `quantize --activations auto|--target` read besides the
// model: the hardware profile (--hardware), a histogram calibration cache (--cache), the user's
// metric module (--target-metric), and the calibration data split into a calibrating part and
// held-out batches (--holdout). Not the advice (advise/) and not the commands' output.
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultHeldOut, HeldOutSplit, runProfileRecipe } from '../../advise/index.js';
import type {
  HardwareInput,
  ProfileOptions,
  ProfiledModel,
  RangeMethod,
  ScoreFunction,
} from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import { parseHardwareProfile } from '../../hardware/index.js';
import type { PlanOptions } from '../../passes/index.js';
import type { CalibrationResult, ModelInput } from '../../ptq/index.js';
import { openCalibrationData, type CalibrationDataOptions } from '../io/calib-data.js';
import { progressBar } from '../common/progress.js';

/** The profile in `path`, or undefined (the built-in default) when no path is given. */
export function loadHardware(path: string | undefined): HardwareInput | undefined {
  if (path === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail('bad-file', `cannot read hardware profile ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  return { profile: parseHardwareProfile(json, path), file: path };
}

/** Imports the module at `path` and returns its `score` export (or its default export). */
export async function loadMetric(path: string): Promise<ScoreFunction> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    fail('bad-file', `cannot load metric module ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  const score = module.score ?? module.default;
  if (typeof score !== 'function') {
    fail(
      'bad-file',
      `metric module ${path} must export a function score(outputs, inputs, reference)`,
      {
        file: path,
      },
    );
  }
  return score as ScoreFunction;
}

/** Calibration data split into what calibrates and what is held out. */
export interface SplitData {
  readonly split: HeldOutSplit;
  /** Samples in the data, when the reader knows. */
  readonly total: number | undefined;
  readonly heldOutBatches: number;
}

/**
 * Opens `path` for `inputs` and holds out the last `holdout` batches (default: a quarter, at
 * most 8; 0 keeps every batch for calibration).
 */
export async function openSplit(
  path: string,
  inputs: readonly ModelInput[],
  options: CalibrationDataOptions,
  holdout: string | undefined,
): Promise<SplitData> {
  const data = await openCalibrationData(path, inputs, options);
  const batchSize = options.batchSize ?? inputs[0]?.dims?.[0] ?? 1;
  const batches = Math.ceil((data.samples ?? 0) / batchSize);
  let held = defaultHeldOut(batches);
  if (holdout !== undefined) {
    held = Number(holdout);
    if (!Number.isInteger(held) || held < 0)
      fail('bad-argument', '--holdout takes a count of batches');
  }
  if (data.samples !== undefined && held >= batches) {
    fail(
      'bad-argument',
      `--holdout ${held} leaves nothing to calibrate on: the data holds ${batches} batch(es)`,
    );
  }
  // With an unknown sample count nothing is held out: every batch calibrates.
  const calibrating = data.samples === undefined ? Number.MAX_SAFE_INTEGER : batches - held;
  return {
    split: new HeldOutSplit(data.batches, Math.max(1, calibrating)),
    total: data.samples,
    heldOutBatches: data.samples === undefined ? 0 : held,
  };
}

/** What both profiling commands hand to runProfileRecipe besides the data. */
export interface ProfileRun {
  readonly bytes: Uint8Array;
  readonly modelPath: string;
  readonly data: SplitData;
  readonly cache: CalibrationResult | undefined;
  readonly hardware: HardwareInput | undefined;
  readonly plan: PlanOptions;
  readonly method: RangeMethod;
  readonly sensitivity: boolean;
  readonly threads: number | undefined;
  readonly quiet: boolean;
}

/**
 * Calls `step` (runProfileRecipe, runAdvisedRecipe) with the profile options `run` gives, on the
 * split data, behind a progress bar on stderr.
 */
export async function withProfileOptions<T>(
  run: ProfileRun,
  step: (options: ProfileOptions) => Promise<T>,
): Promise<T> {
  const { data, cache, hardware } = run;
  const bar = progressBar(data.total, 'calibrating', { quiet: run.quiet });
  try {
    return await step({
      model: run.bytes,
      name: basename(run.modelPath),
      batches: data.split.calibration(),
      heldOut: async () => {
        await data.split.drain();
        return data.split.heldOut;
      },
      checkBatches: () => data.split.kept,
      ...(cache === undefined ? {} : { cache }),
      ...(hardware === undefined ? {} : { hardware }),
      plan: run.plan,
      method: run.method,
      sensitivity: run.sensitivity,
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      ...(data.total === undefined ? {} : { total: data.total }),
      onProgress: (_stage, done, total) => bar.update(done, total),
    });
  } finally {
    bar.stop();
  }
}

/** Runs runProfileRecipe on the split data behind a progress bar on stderr. */
export function profileWithProgress(run: ProfileRun): Promise<ProfiledModel> {
  return withProfileOptions(run, runProfileRecipe);
}

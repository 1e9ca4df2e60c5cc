// The files `zeropoint profile` and `quantize --activations auto|--target` read besides the
// model: the hardware profile (--hardware), the user's metric module (--target-metric), and the
// calibration data with its count of batches and the --holdout flag, for the library to split.
// Not the advice (advise/, api/) and not the commands' output.
import { readFileSync } from 'node:fs';
import type { CalibrationFeeds, HoldoutOptions } from '../../api/index.js';
import type { HardwareInput, ScoreFunction } from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import { parseHardwareProfile } from '../../hardware/index.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import { modelInputs, type CalibrationResult, type ModelInput } from '../../ptq/index.js';
import { prestartObserveWorker, workerObserveHost } from '../calibrate-worker/worker-host.js';
import { openCalibrationData, type CalibrationDataOptions } from '../io/calib-data.js';
import { importFunction } from '../io/user-module.js';
import { loadCache } from '../io/read-inputs.js';
import { imageFromFlags, runFromFlags, type QuantizeFlags } from '../quantize/flags.js';

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
  const score = await importFunction(
    path,
    'score',
    'metric module',
    'score(outputs, inputs, reference)',
  );
  return score as unknown as ScoreFunction;
}

/** Calibration data and what the library needs to split it: the count of batches, --holdout. */
export interface CountedData extends HoldoutOptions {
  readonly feeds: CalibrationFeeds;
  /** Samples in the data, when the reader knows. */
  readonly total: number | undefined;
}

/**
 * Opens `path` for `inputs`, counts its batches when the reader knows its samples, and parses
 * `--holdout` (batches held out from the end; the library's default when not given).
 */
export async function openCounted(
  path: string,
  inputs: readonly ModelInput[],
  options: CalibrationDataOptions,
  holdout: string | undefined,
): Promise<CountedData> {
  const data = await openCalibrationData(path, inputs, options);
  const batchSize = options.batchSize ?? inputs[0]?.dims?.[0] ?? 1;
  const held = holdout === undefined ? undefined : Number(holdout);
  if (held !== undefined && !(Number.isInteger(held) && held >= 0))
    fail('bad-argument', '--holdout takes a count of batches');
  return {
    feeds: data.batches,
    total: data.samples,
    ...(data.samples === undefined ? {} : { batches: Math.ceil(data.samples / batchSize) }),
    ...(held === undefined ? {} : { holdout: held }),
  };
}

/** What `profile` and the advised `quantize` hand the library besides the model and the plan. */
export interface AdviceInputs {
  readonly feeds: CalibrationFeeds;
  /** Samples in the data, when the reader knows (the progress bar's total). */
  readonly total: number | undefined;
  /** The statistics --cache held, or undefined when it named no file yet. */
  readonly cache: CalibrationResult | undefined;
  /** The API options these inputs set: batches, holdout, total, cache, hardware, threads, host. */
  readonly options: {
    readonly batches?: number;
    readonly holdout?: number;
    readonly total?: number;
    readonly cache?: CalibrationResult;
    readonly hardware?: HardwareInput;
    readonly threads?: number;
    readonly observeHost: typeof workerObserveHost;
  };
}

/**
 * Starts the observe worker, opens `calib` with the flags' image fields and batch size, and
 * loads --cache and --hardware: the inputs `profile` and the advised `quantize` share.
 */
export async function openAdviceInputs(
  calib: string,
  model: ModelProto,
  flags: QuantizeFlags & { readonly hardware?: string; readonly holdout?: string },
): Promise<AdviceInputs> {
  const run = runFromFlags(flags);
  prestartObserveWorker();
  const data = await openCounted(
    calib,
    modelInputs(model),
    { ...run, image: imageFromFlags(flags) },
    flags.holdout,
  );
  const cache = loadCache(flags.cache);
  const hardware = loadHardware(flags.hardware);
  return {
    feeds: data.feeds,
    total: data.total,
    cache,
    options: {
      ...(data.batches === undefined ? {} : { batches: data.batches }),
      ...(data.holdout === undefined ? {} : { holdout: data.holdout }),
      ...(data.total === undefined ? {} : { total: data.total }),
      ...(cache === undefined ? {} : { cache }),
      ...(hardware === undefined ? {} : { hardware }),
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      observeHost: workerObserveHost,
    },
  };
}

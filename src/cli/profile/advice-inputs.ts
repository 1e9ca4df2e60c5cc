// The files `zeropoint profile` and `quantize --activations auto|--target` read besides the
// model: the hardware profile (--hardware), the user's metric module (--target-metric), and the
// calibration data with its count of batches and the --holdout flag, for the library to split.
// Not the advice (advise/, api/) and not the commands' output.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CalibrationFeeds, HoldoutOptions } from '../../api/index.js';
import type { HardwareInput, ScoreFunction } from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import { parseHardwareProfile } from '../../hardware/index.js';
import type { ModelInput } from '../../ptq/index.js';
import { openCalibrationData, type CalibrationDataOptions } from '../io/calib-data.js';

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

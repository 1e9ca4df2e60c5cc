// `zeropoint quantize --activations auto` and `--target DB | --target-metric FILE`: the command
// face of the advised recipe (advise/quantize-advised.ts): flags to options, the data split into
// calibration and held-out batches, the metric module, progress, and the files written.
import {
  chooseStorage,
  runAdvisedRecipe,
  RANGE_METHODS,
  type AccuracyTarget,
  type AdviceSummary,
  type RangeMethod,
} from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import { modelInputs } from '../../ptq/index.js';
import {
  loadHardware,
  loadMetric,
  openSplit,
  withProfileOptions,
} from '../profile/advice-inputs.js';
import { loadCache, readModelFile } from '../io/read-inputs.js';
import { imageFromFlags, planFromFlags, runFromFlags, type QuantizeFlags } from './flags.js';
import { quantizeReport, type QuantizeReport } from '../../report/quantize-report.js';
import { writeAtomic } from '../io/write-atomic.js';

/** True when the flags ask for the advisor: `--activations auto`, `--target` or `--target-metric`. */
export function wantsAdvice(flags: QuantizeFlags): boolean {
  return (
    flags.activations === 'auto' || flags.target !== undefined || flags.targetMetric !== undefined
  );
}

/**
 * `--hardware` without `--act-type`: symmetric activations take the storage the profile favours
 * (int8 where int8 x int8 kernels are the faster, else uint8 with zero point 128).
 */
export function withHardwareStorage(flags: QuantizeFlags): QuantizeFlags {
  if (flags.hardware === undefined || flags.actType !== undefined) return flags;
  if ((flags.activations ?? 'asymmetric') !== 'symmetric') return flags;
  const hardware = loadHardware(flags.hardware);
  return hardware === undefined
    ? flags
    : { ...flags, actType: chooseStorage(hardware.profile).qtype };
}

/** The quantize report with the advice (the same fields as the static command's report). */
export type AdvisedReport = QuantizeReport & { readonly advice: AdviceSummary };

/** Parses `--target`: a number (dB, or an absolute score) or `P%` of the fp32 score. */
function parseTarget(text: string | undefined, metric: boolean): AccuracyTarget {
  if (text === undefined)
    return metric ? { value: 0.99, relative: true } : fail('bad-argument', 'give --target SQNR_DB');
  const relative = text.endsWith('%');
  const value = Number(relative ? text.slice(0, -1) : text);
  if (!Number.isFinite(value))
    fail('bad-argument', `--target takes a number or a percentage; got "${text}"`);
  if (relative && !metric)
    fail(
      'bad-argument',
      'a percentage --target needs --target-metric (the fp32 score it is a share of)',
    );
  return { value: relative ? value / 100 : value, relative };
}

/** Runs the advised quantization and writes the model; returns the report. */
export async function runAdvisedQuantize(
  modelPath: string,
  flags: QuantizeFlags,
): Promise<AdvisedReport> {
  if (flags.calib === undefined) fail('bad-argument', 'advised quantization needs --calib PATH');
  const searching = flags.target !== undefined || flags.targetMetric !== undefined;
  const target = searching
    ? parseTarget(flags.target, flags.targetMetric !== undefined)
    : undefined;
  const { bytes, model } = readModelFile(modelPath);
  const { plan, method } = planFromFlags(withHardwareStorage(flags));
  if (!(RANGE_METHODS as readonly string[]).includes(method)) {
    fail(
      'bad-argument',
      `the advisor reads histograms: --method ${RANGE_METHODS.join('|')}, not ${method}`,
    );
  }
  const trials = flags.trials === undefined ? undefined : Number(flags.trials);
  if (trials !== undefined && !(Number.isInteger(trials) && trials >= 1))
    fail('bad-argument', `--trials takes a positive whole number; got "${flags.trials}"`);
  const run = runFromFlags(flags);
  const data = await openSplit(
    flags.calib,
    modelInputs(model),
    { ...run, image: imageFromFlags(flags) },
    flags.holdout ?? (searching ? undefined : '0'),
  );
  if (searching && data.heldOutBatches === 0)
    fail(
      'bad-argument',
      '--target needs held-out batches: at least 2 batches of data, or --holdout N',
    );
  const cache = loadCache(flags.cache);
  const hardware = loadHardware(flags.hardware);
  const score = flags.targetMetric === undefined ? undefined : await loadMetric(flags.targetMetric);
  const started = Date.now();
  const profile = {
    bytes,
    modelPath,
    data,
    cache,
    hardware,
    plan,
    method: method as RangeMethod,
    sensitivity: searching,
    threads: run.threads,
    quiet: flags.json === true,
  };
  const result = await withProfileOptions(profile, (options) =>
    runAdvisedRecipe({
      ...options,
      auto: flags.activations === undefined || flags.activations === 'auto',
      ...(target === undefined ? {} : { target }),
      ...(score === undefined ? {} : { score }),
      ...(flags.targetMetric === undefined ? {} : { metricName: `score of ${flags.targetMetric}` }),
      ...(trials === undefined ? {} : { trials }),
    }),
  );
  const { built, profiled, advice } = result;
  if (flags.cache !== undefined && cache === undefined)
    writeAtomic(flags.cache, JSON.stringify(profiled.calibration));
  writeAtomic(flags.output, built.bytes);
  const p = profiled.profile;
  return {
    ...quantizeReport({
      input: modelPath,
      output: flags.output,
      cache: flags.cache,
      method,
      sizeBefore: bytes.length,
      built,
      samples: p.samples.calibration,
      calibrationMs: profiled.cached ? 0 : Date.now() - started,
      storage: p.hardware.storage.reason,
      notes: p.warnings,
    }),
    advice,
  };
}

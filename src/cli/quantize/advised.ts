// `zeropoint quantize --activations auto` and `--target DB | --target-metric FILE`: the command
// face of api/'s quantizeAdvised: flags to options, the data and its count of batches (the
// library holds out the last ones), the metric module, progress, and the files written.
import { quantizeAdvised, type AdvisedReport } from '../../api/index.js';
import {
  chooseStorage,
  RANGE_METHODS,
  type AccuracyTarget,
  type RangeMethod,
} from '../../advise/index.js';
import { basename } from 'node:path';
import { fail } from '../../core/errors.js';
import { progressBar } from '../common/progress.js';
import { loadHardware, loadMetric, openAdviceInputs } from '../profile/advice-inputs.js';
import { readModelFile } from '../io/read-inputs.js';
import { planFromFlags, type QuantizeFlags } from './flags.js';
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
  const data = await openAdviceInputs(flags.calib, model, flags);
  const score = flags.targetMetric === undefined ? undefined : await loadMetric(flags.targetMetric);
  const bar = progressBar(data.total, 'calibrating', { quiet: flags.json === true });
  let result: Awaited<ReturnType<typeof quantizeAdvised>>;
  try {
    result = await quantizeAdvised(bytes, data.feeds, {
      ...data.options,
      plan,
      method: method as RangeMethod,
      name: basename(modelPath),
      files: {
        input: modelPath,
        output: flags.output,
        ...(flags.cache === undefined ? {} : { cache: flags.cache }),
      },
      auto: flags.activations === undefined || flags.activations === 'auto',
      ...(target === undefined ? {} : { target }),
      ...(score === undefined ? {} : { score }),
      ...(flags.targetMetric === undefined ? {} : { metricName: `score of ${flags.targetMetric}` }),
      ...(trials === undefined ? {} : { trials }),
      ...(flags.searchLatency === true ? { latency: {} } : {}),
      onProgress: (stage, done, total) => {
        if (stage !== 'search') bar.update(done, total);
      },
    });
  } finally {
    bar.stop();
  }
  if (flags.cache !== undefined && data.cache === undefined)
    writeAtomic(flags.cache, JSON.stringify(result.calibration));
  writeAtomic(flags.output, result.model);
  return result.report;
}

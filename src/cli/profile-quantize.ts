// `zeropoint quantize --activations auto` and `--target DB | --target-metric FILE`: static
// quantization that applies the advisor's per-tensor recommendations, and optionally searches
// for the least fallback (int16 activations, then float, most sensitive layers first) that meets
// an accuracy target on held-out batches, reporting every trial. The steps live in advise/.
import { resolve } from 'node:path';
import {
  accuracySearch,
  buildQuantized,
  chooseStorage,
  outputSqnr,
  runBatches,
  type ModelProfile,
  type RangeMethod,
} from '../advise/index.js';
import { fail } from '../core/errors.js';
import { activationQuant, summarizePlan, type PlanOptions } from '../passes/index.js';
import { modelInputs } from '../ptq/index.js';
import { loadHardware, loadMetric, openSplit, profileWithProgress } from './profile-inputs.js';
import { loadCache, readModelFile } from './read-inputs.js';
import {
  imageFromFlags,
  planFromFlags,
  runFromFlags,
  type QuantizeFlags,
} from './quantize-flags.js';
import { writeAtomic } from './write-atomic.js';
import type { AdviceSummary } from './profile-format.js';
import type { QuantizeReport } from './quantize-report.js';

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
function parseTarget(
  text: string | undefined,
  metric: boolean,
): { value: number; relative: boolean } {
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

function schemesOf(profile: ModelProfile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of profile.tensors) {
    if (p.kind !== 'activation') continue;
    const key = `${p.recommendation.scheme} ${p.recommendation.qtype}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** Runs the advised quantization and writes the model; returns the report. */
export async function runAdvisedQuantize(
  modelPath: string,
  flags: QuantizeFlags,
): Promise<AdvisedReport> {
  if (resolve(modelPath) === resolve(flags.output)) {
    fail(
      'bad-argument',
      'the output path is the input model; zeropoint never overwrites its input',
    );
  }
  if (flags.calib === undefined) fail('bad-argument', 'advised quantization needs --calib PATH');
  const searching = flags.target !== undefined || flags.targetMetric !== undefined;
  const target = searching
    ? parseTarget(flags.target, flags.targetMetric !== undefined)
    : undefined;
  const { bytes, model } = readModelFile(modelPath);
  const { plan, method } = planFromFlags(flags);
  if (!['minmax', 'percentile', 'entropy', 'mse'].includes(method)) {
    fail(
      'bad-argument',
      `--activations auto reads histograms: --method minmax|percentile|entropy|mse, not ${method}`,
    );
  }
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
  // Everything but the activation mode, which the advisor decides per tensor.
  const base: PlanOptions = {
    ...(plan.weightGranularity === undefined ? {} : { weightGranularity: plan.weightGranularity }),
    ...(plan.exclude === undefined ? {} : { exclude: plan.exclude }),
    ...(plan.include === undefined ? {} : { include: plan.include }),
    ...(plan.tensors === undefined ? {} : { tensors: plan.tensors }),
  };
  const started = Date.now();
  const profiled = await profileWithProgress({
    bytes,
    modelPath,
    data,
    cache,
    hardware,
    plan: base,
    method: method as RangeMethod,
    sensitivity: searching,
    threads: run.threads,
    quiet: flags.json === true,
  });
  const auto = flags.activations === undefined || flags.activations === 'auto';
  const start = auto ? profiled.auto : plan;
  const ranges = auto
    ? profiled.ranges
    : profiled.calibration.ranges({ method, spec: activationQuant(plan) });
  let result = buildQuantized(profiled.prepared, start, ranges);
  let search: AdviceSummary['search'] = null;
  if (searching && target !== undefined) {
    const heldOut = data.split.heldOut;
    const reference = await runBatches(profiled.prepared, heldOut, run.threads);
    const score =
      flags.targetMetric === undefined ? undefined : await loadMetric(flags.targetMetric);
    const fp32 = score === undefined ? null : await score(reference, heldOut, reference);
    const goal = target.relative ? target.value * (fp32 ?? 0) : target.value;
    const evaluate = async (b: Uint8Array): Promise<number> => {
      const outputs = await runBatches(b, heldOut, run.threads);
      return score === undefined
        ? outputSqnr(reference, outputs)
        : score(outputs, heldOut, reference);
    };
    const found = await accuracySearch({
      prepared: profiled.prepared,
      start,
      ranges,
      ranking: profiled.profile.sensitivity?.layers ?? [],
      groups: profiled.groups,
      names: profiled.names,
      evaluate,
      target: goal,
      startLabel: auto ? 'the recommended configuration' : `--activations ${flags.activations}`,
      ...(flags.trials === undefined ? {} : { trials: Number(flags.trials) }),
    });
    result = buildQuantized(profiled.prepared, found.options, ranges);
    search = {
      metric:
        flags.targetMetric === undefined
          ? 'output SQNR (dB) against fp32'
          : `score of ${flags.targetMetric}`,
      target: goal,
      fp32,
      reached: found.reached,
      trials: found.trials,
      chosen: found.chosen.index,
    };
  }
  if (flags.cache !== undefined && cache === undefined)
    writeAtomic(flags.cache, JSON.stringify(profiled.calibration));
  writeAtomic(flags.output, result.bytes);
  const summary = summarizePlan(result.plan);
  const p = profiled.profile;
  return {
    input: modelPath,
    output: flags.output,
    mode: 'static',
    method,
    activations: { ...summary.activation, storage: p.hardware.storage.reason },
    samples: p.samples.calibration,
    calibrationMs: profiled.cached ? 0 : Date.now() - started,
    cache: flags.cache ?? null,
    sizeBefore: bytes.length,
    sizeAfter: result.bytes.length,
    biasCorrected: result.insert.correctedBias,
    plan: summary,
    notes: [...p.warnings],
    advice: {
      hardware: p.hardware.description,
      storage: p.hardware.storage.reason,
      schemes: schemesOf(p),
      heldOut: p.samples.heldOut,
      auto: p.auto.reason,
      search,
    },
  };
}

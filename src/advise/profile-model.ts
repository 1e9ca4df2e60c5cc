// The profile of a model, end to end: prepare it as static quantization does, calibrate one
// histogram per node output (the plans' tensors and any a fallback may need; or reuse a cache),
// profile every activation group and weight, compare whole-model configurations to choose what
// --activations auto applies, and on held-out batches measure errors and layer sensitivity.
// Not I/O (cli/ reads data and writes reports) and not rendering (report/).
import { isZeropointError } from '../core/index.js';
import { HistogramObserver } from '../observers/index.js';
import { planQuantization, type PlanOptions, type QuantPlan } from '../passes/index.js';
import {
  calibrate,
  checkCalibrationCache,
  prepareModel,
  type Batches,
  type CalibrationResult,
  samplesOf,
  type Feeds,
  type ObserveHostFactory,
  type RangeSource,
} from '../ptq/index.js';
import { writeModel } from '../onnx/index.js';
import { chooseStorage } from './storage-choice.js';
import { autoPlanOptions, baseMode } from './auto-plan.js';
import type { RangeMethod } from './candidates.js';
import { DEFAULT_PROFILE, type HardwareProfile } from '../hardware/index.js';
import { nearOutputs } from '../ptq/index.js';
import { profileActivations, profileWeights } from './profile-tensors.js';
import { compareConfigs, measureHeldOut } from './profile-measure.js';
import type {
  HardwareSummary,
  ModelProfile,
  SensitivityRun,
  TensorProfile,
} from './profile-types.js';
import { layerGroups } from './search.js';
import { runBatches, type Outputs } from './variants.js';

/** A hardware profile and where it came from. */
export interface HardwareInput {
  readonly profile: HardwareProfile;
  /** The file it was read from; absent: the built-in default. */
  readonly file?: string;
}

/** Options of runProfileRecipe. */
export interface ProfileOptions {
  /** The float model's bytes (never modified). */
  readonly model: Uint8Array;
  readonly name: string;
  /** The calibration part of the data (see HeldOutSplit). */
  readonly batches: Batches;
  /** Batches kept out of calibration, asked for once calibration is done; empty: none. */
  readonly heldOut: () => readonly Feeds[] | Promise<readonly Feeds[]>;
  /** Calibration batches to compare whole-model configurations on when none are held out. */
  readonly checkBatches?: () => readonly Feeds[] | Promise<readonly Feeds[]>;
  /** Histogram statistics from an earlier run on the same model. */
  readonly cache?: CalibrationResult;
  readonly hardware?: HardwareInput;
  /** exclude, include, weightGranularity, tensors: as static quantization takes them. */
  readonly plan?: PlanOptions;
  /** The calibration method recommendations take their ranges from (default percentile). */
  readonly method?: RangeMethod;
  /** Quantize one layer at a time and rank the layers (default true). */
  readonly sensitivity?: boolean;
  readonly threads?: number;
  /** Where calibration's observers run (this thread by default). */
  readonly observeHost?: ObserveHostFactory;
  readonly total?: number;
  readonly onProgress?: (stage: string, done: number, total: number | undefined) => void;
}

/** The profile, and what later steps (quantize --activations auto, the search) reuse. */
export interface ProfiledModel {
  readonly profile: ModelProfile;
  readonly calibration: CalibrationResult;
  /** Prepared float model bytes (opset 13, folds applied). */
  readonly prepared: Uint8Array;
  /** The default (asymmetric) plan the groups come from. */
  readonly plan: QuantPlan;
  /** Plan options `--activations auto` applies: the recommendations, unless measured worse. */
  readonly auto: PlanOptions;
  readonly names: ReadonlyMap<string, string>;
  /** Activation profiles each layer reads or writes, by layer key (for the search). */
  readonly groups: ReadonlyMap<string, readonly TensorProfile[]>;
  /** Where every variant reads its ranges: the calibration, read by the profile's method. */
  readonly source: RangeSource;
  /** True when the statistics came from `options.cache`. */
  readonly cached: boolean;
  /** fp32 outputs on the held-out batches (null: none held out). */
  readonly reference: Outputs | null;
}

function hardwareSummary(input: HardwareInput | undefined): HardwareSummary {
  const profile = input?.profile ?? DEFAULT_PROFILE;
  const { runtime, machine } = profile;
  const what = `${runtime.name} ${runtime.version} ${runtime.backend} on ${machine.cpu} (${machine.arch})`;
  return {
    source: input?.file === undefined ? 'built-in' : 'file',
    file: input?.file ?? null,
    description:
      input?.file === undefined
        ? `built-in default: ${what}; pass --hardware profile.json for your machine`
        : `${input.file}: ${what}, ${profile.source}`,
    storage: chooseStorage(profile),
  };
}

/** `cache` when it holds histograms of `tensors` of this model; else a warning says why not. */
function usableCache(
  cache: CalibrationResult | undefined,
  prepared: Uint8Array,
  tensors: readonly string[],
  warnings: string[],
): CalibrationResult | undefined {
  if (cache === undefined) return undefined;
  try {
    checkCalibrationCache(cache, prepared, tensors);
  } catch (error) {
    if (!isZeropointError(error)) throw error;
    warnings.push(`calibration cache not used: ${error.message}`);
    return undefined;
  }
  if (!(cache.observers.values().next().value instanceof HistogramObserver)) {
    warnings.push(
      `calibration cache not used: it holds ${cache.method} statistics, not histograms`,
    );
    return undefined;
  }
  return cache;
}

/** Profiles `options.model` on its calibration data; see the file comment for the steps. */
export async function runProfileRecipe(options: ProfileOptions): Promise<ProfiledModel> {
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  let t = performance.now();
  const lap = (name: string): void => {
    timings[name] = Math.round(performance.now() - t);
    t = performance.now();
  };
  const base: PlanOptions = { ...(options.plan ?? {}) };
  const { model, graph } = prepareModel(options.model, 13);
  const prepared = writeModel(model);
  const plan = planQuantization(graph, { ...base, activations: 'asymmetric' });
  const symmetric = planQuantization(graph, { ...base, activations: 'symmetric' });
  // Every node output too: the search's fallbacks change which tensors a plan quantizes.
  const outputs = graph.nodes.filter((n) => n.opType !== 'Constant').flatMap((n) => n.output);
  const planned = new Set([...plan.calibrate, ...symmetric.calibrate]);
  const tensors = [...new Set([...planned, ...outputs.filter((o) => o !== '')])];
  let calibration = usableCache(options.cache, prepared, tensors, warnings);
  if (calibration === undefined) {
    calibration = await calibrate(prepared, tensors, options.batches, {
      method: 'histogram',
      means: plan.channelMeans,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.observeHost === undefined ? {} : { observeHost: options.observeHost }),
      ...(options.total === undefined ? {} : { total: options.total }),
      onProgress: (done, total) => options.onProgress?.('calibrating', done, total),
    });
  }
  lap('calibrationMs');
  const hardware = hardwareSummary(options.hardware);
  const context = {
    graph,
    plan,
    calibration,
    hardware: options.hardware?.profile ?? DEFAULT_PROFILE,
    storage: hardware.storage,
    method: options.method ?? 'percentile',
    near: nearOutputs(graph, plan),
  };
  const skipped: string[] = [];
  const activations = profileActivations(context, skipped);
  const weights = profileWeights(context);
  const notes = calibration.notes.filter((n) => planned.has(n.tensor));
  warnings.push(...skipped, ...notes.map((n) => `${n.tensor}: ${n.reason}`));
  lap('profileMs');
  const recommended = autoPlanOptions(base, activations, hardware.storage);
  const names = new Map<string, string>();
  for (const node of graph.nodes) names.set(node.output[0] ?? '', node.name);
  const storage = hardware.storage.qtype;
  const source: RangeSource = { calibration, method: context.method };
  const heldOut = await options.heldOut();
  const check = heldOut.length > 0 ? heldOut : ((await options.checkBatches?.()) ?? []);
  // fp32 outputs on the batches compared on: the comparisons, sensitivity and search all read them.
  const checkReference =
    check.length === 0 ? [] : await runBatches(prepared, check, options.threads);
  const compared = await compareConfigs(
    prepared,
    source,
    [
      ['the per-tensor recommendations', recommended],
      [`all asymmetric ${storage} (${context.method})`, { ...base, ...baseMode(hardware.storage) }],
      [
        `all symmetric ${storage} (${context.method})`,
        { ...base, activations: 'symmetric', symmetricType: storage },
      ],
    ],
    check,
    checkReference,
    heldOut.length > 0 ? 'held-out' : 'calibration',
    options.threads,
  );
  lap('compareMs');
  let measured: { tensors: readonly TensorProfile[]; sensitivity: SensitivityRun | null } = {
    tensors: activations,
    sensitivity: null,
  };
  if (heldOut.length === 0) {
    warnings.push('no held-out samples: measured errors and sensitivity need at least 2 samples');
  } else {
    measured = await measureHeldOut({
      prepared,
      activations,
      heldOut,
      reference: checkReference,
      layers: plan.nodes.filter((d) => d.status === 'quantized'),
      names,
      base: compared.options,
      source,
      sensitivity: options.sensitivity !== false,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    lap('measureMs');
    if (measured.sensitivity !== null) {
      timings.sensitivityMs = measured.sensitivity.ms;
      timings.measureMs = (timings.measureMs ?? 0) - measured.sensitivity.ms;
    }
  }
  const profile: ModelProfile = {
    model: options.name,
    samples: {
      calibration: calibration.samples,
      heldOut: heldOut.reduce((n, f) => n + samplesOf(f), 0),
    },
    method: context.method,
    hardware,
    tensors: [...measured.tensors, ...weights],
    sensitivity: measured.sensitivity,
    comparisons: compared.comparisons,
    auto: compared.choice,
    warnings,
    timings,
  };
  const groups = layerGroups(graph, measured.tensors);
  const cached = calibration === options.cache;
  return {
    profile,
    calibration,
    prepared,
    plan,
    auto: compared.options,
    names,
    groups,
    source,
    cached,
    reference: heldOut.length > 0 ? checkReference : null,
  };
}

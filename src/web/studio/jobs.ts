// What the studio worker does for each job, through the public API every face calls
// (src/api/): inspect a model, profile it (profileModel, with the HTML report), quantize it
// (quantizeStatic) with the options the CLI's flags give, or, after a profile, with its
// per-tensor choices and its calibration reused. Not messaging (worker.ts) and not the page.
import type { ModelProfile } from '../../advise/index.js';
import { profileModel, quantizeStatic, type ProgressCallback } from '../../api/index.js';
import { fail, isZeropointError } from '../../core/errors.js';
import { RANGE_METHODS, type RangeMethod } from '../../advise/index.js';
import { isObserverKind, type ObserverKind } from '../../observers/index.js';
import { defaultOpset, readModel } from '../../onnx/index.js';
import type { PlanOptions } from '../../passes/index.js';
import { modelInputs, type CalibrationResult } from '../../ptq/index.js';
import { profileJSON } from '../../report/index.js';
import { groupFacts, planWithChoices } from './choices.js';
import type { GroupFacts, ModelFacts, SampleFiles, StudioOptions } from './protocol.js';
import { calibrationSamples } from './samples-feeds.js';

/** What every job gets besides its own request. */
export interface JobContext {
  readonly signal: AbortSignal;
  readonly threads: number;
  readonly onProgress: ProgressCallback;
}

/** The last profile, kept so a quantize that follows can apply its choices and reuse its statistics. */
interface KeptProfile {
  readonly id: number;
  readonly profile: ModelProfile;
  readonly calibration: CalibrationResult;
}
let kept: KeptProfile | undefined;

/** The facts the page shows about a model before any run. */
export function inspectModel(bytes: ArrayBuffer): ModelFacts {
  const model = readModel(new Uint8Array(bytes));
  const graph = model.graph;
  if (graph === undefined) fail('bad-model', 'the model has no graph');
  return {
    inputs: modelInputs(model).map((i) => ({
      name: i.name,
      type: i.dtype ?? 'unknown',
      dims: i.dims?.map((d) => d ?? null) ?? null,
    })),
    nodes: graph.node.length,
    opset: defaultOpset(model),
    initializerBytes: graph.initializer.reduce((n, t) => n + t.rawData.length, 0),
  };
}

/** Plan options from the studio's fields, as the CLI's planFromFlags builds them. */
function basePlan(options: StudioOptions): PlanOptions {
  return {
    activations: options.activations,
    symmetricType: 'uint8',
    weightGranularity: options.perTensor ? 'per-tensor' : 'per-channel',
    biasCorrection: options.biasCorrection,
  };
}

function method(options: StudioOptions): ObserverKind {
  if (!isObserverKind(options.method)) fail('bad-argument', `unknown method "${options.method}"`);
  return options.method;
}

/** Profiles the model on the samples; keeps the result for a quantize with choices. */
export async function profileJob(
  id: number,
  model: ArrayBuffer,
  name: string,
  samples: SampleFiles,
  options: StudioOptions,
  context: JobContext,
): Promise<{
  html: string;
  json: string;
  groups: GroupFacts[];
  auto: { config: string; reason: string };
}> {
  kept = undefined;
  const bytes = new Uint8Array(model);
  const { data, batches } = await calibrationSamples(samples, modelInputs(readModel(bytes)));
  const rangeMethod = RANGE_METHODS.includes(options.method as RangeMethod)
    ? (options.method as RangeMethod)
    : 'percentile';
  const result = await profileModel(bytes, data.batches, {
    name,
    method: rangeMethod,
    plan: basePlan(options),
    batches,
    total: data.samples,
    threads: context.threads,
    signal: context.signal,
    onProgress: context.onProgress,
    html: { generator: 'zeropoint studio', createdAt: new Date().toISOString() },
  });
  const profile = result.report.profile;
  kept = { id, profile, calibration: result.calibration };
  const json = profileJSON(profile);
  return {
    html: result.html ?? '',
    json,
    groups: groupFacts(profile),
    auto: { config: profile.auto.config, reason: profile.auto.reason },
  };
}

/** Quantizes the model; after a profile of the same model and samples, with its choices. */
export async function quantizeJob(
  model: ArrayBuffer,
  name: string,
  samples: SampleFiles,
  options: StudioOptions,
  context: JobContext,
): Promise<{ model: Uint8Array; json: string; calibrateMs: number }> {
  const bytes = new Uint8Array(model);
  const profiled =
    options.choices !== undefined && kept !== undefined && kept.id === options.profileId
      ? kept
      : undefined;
  if (options.choices !== undefined && profiled === undefined) {
    fail('bad-argument', 'the per-tensor choices belong to an earlier profile; profile again');
  }
  const plan =
    profiled === undefined
      ? basePlan(options)
      : planWithChoices(basePlan(options), profiled.profile, options.choices ?? {});
  const inputs = modelInputs(readModel(bytes));
  const run = async (cache: CalibrationResult | undefined) => {
    const { data } = await calibrationSamples(samples, inputs);
    return quantizeStatic(bytes, data.batches, {
      ...plan,
      method: method(options),
      total: data.samples,
      threads: context.threads,
      signal: context.signal,
      onProgress: context.onProgress,
      files: { input: name, output: outputName(name) },
      ...(cache === undefined ? {} : { cache }),
    });
  };
  let result;
  try {
    result = await run(profiled?.calibration);
  } catch (error) {
    // A profile's statistics serve only a plan prepared the same way; otherwise calibrate anew.
    if (profiled === undefined || !isZeropointError(error, 'bad-calibration-data')) throw error;
    result = await run(undefined);
  }
  return {
    model: result.model,
    json: JSON.stringify(result.report, null, 2),
    calibrateMs: result.report.calibrationMs,
  };
}

/** `name.onnx` -> `name.int8.onnx`. */
function outputName(name: string): string {
  return name.replace(/(\.onnx)?$/i, '.int8.onnx');
}

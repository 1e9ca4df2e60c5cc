// What a profile measures on whole models: the output SQNR against fp32 of the per-tensor
// recommendations and of the uniform configurations (all asymmetric, all symmetric), the choice
// `--activations auto` makes from them (the decision flow's last step: benchmark, and keep what
// measures best), and, on held-out batches, each recommendation's actual error and each layer's
// sensitivity. Not the profiling from calibration statistics (profile-tensors.ts).
import type { NodeDecision, PlanOptions } from '../passes/index.js';
import { buildQuantized, samplesOf, type Feeds, type RangeSource } from '../ptq/index.js';
import { measureActivations } from './measured-error.js';
import type {
  AutoChoice,
  ModelComparison,
  SensitivityRun,
  TensorProfile,
} from './profile-types.js';
import { layerSensitivity } from './sensitivity.js';
import { outputSqnr, runBatches, type Outputs } from './variants.js';

/** A whole-model configuration: its name and plan options. */
export type Config = readonly [string, PlanOptions];

/** The configurations compared, the first being the recommendations, and the choice. */
export interface Comparison {
  readonly comparisons: readonly ModelComparison[];
  readonly choice: AutoChoice;
  /** The chosen configuration's options. */
  readonly options: PlanOptions;
}

/**
 * Compares `configs` (recommendations first) on `batches` against `reference` (fp32 outputs)
 * and keeps the one with the highest output SQNR; ties keep the earlier. With no batches, the
 * recommendations stand unmeasured.
 */
export async function compareConfigs(
  prepared: Uint8Array,
  source: RangeSource,
  configs: readonly Config[],
  batches: readonly Feeds[],
  reference: Outputs,
  kind: 'held-out' | 'calibration',
  threads?: number,
): Promise<Comparison> {
  const [first] = configs;
  if (first === undefined) throw new Error('no configuration to compare');
  if (batches.length === 0) {
    const reason = 'not measured (no samples to compare on): the per-tensor recommendations apply';
    return {
      comparisons: [],
      choice: { config: first[0], basis: null, reason },
      options: first[1],
    };
  }
  const comparisons: ModelComparison[] = [];
  for (const [config, options] of configs) {
    const built = buildQuantized(prepared, options, source);
    comparisons.push({
      config,
      sqnrDb: outputSqnr(reference, await runBatches(built.bytes, batches, threads)),
    });
  }
  let best = 0;
  comparisons.forEach((c, i) => {
    if (c.sqnrDb > comparisons[best]!.sqnrDb) best = i;
  });
  const samples = batches.reduce((n, f) => n + samplesOf(f), 0);
  const chosen = comparisons[best]!;
  const recommended = comparisons[0]!;
  const where = `on ${samples} ${kind} sample(s)`;
  const reason =
    best === 0
      ? `the per-tensor recommendations measure best ${where} (${recommended.sqnrDb.toFixed(1)} dB output SQNR)`
      : `${chosen.config} measures ${chosen.sqnrDb.toFixed(1)} dB output SQNR ${where}, above the ` +
        `per-tensor recommendations' ${recommended.sqnrDb.toFixed(1)} dB: --activations auto applies it`;
  return {
    comparisons,
    choice: { config: chosen.config, basis: { kind, samples }, reason },
    options: configs[best]![1],
  };
}

/** What measureHeldOut needs. */
export interface HeldOutInput {
  readonly prepared: Uint8Array;
  readonly activations: readonly TensorProfile[];
  readonly heldOut: readonly Feeds[];
  /** fp32 outputs on `heldOut`. */
  readonly reference: Outputs;
  readonly layers: readonly NodeDecision[];
  readonly names: ReadonlyMap<string, string>;
  /** The configuration each one-layer variant starts from, and where it reads ranges. */
  readonly base: PlanOptions;
  readonly source: RangeSource;
  readonly sensitivity: boolean;
  readonly threads?: number;
  readonly onProgress?: (stage: string, done: number, total: number | undefined) => void;
}

/** Each activation's measured error and, when asked, each layer's sensitivity. */
export async function measureHeldOut(
  input: HeldOutInput,
): Promise<{ tensors: TensorProfile[]; sensitivity: SensitivityRun | null }> {
  const { prepared, heldOut, reference, threads } = input;
  const tensors = await measureActivations(prepared, input.activations, heldOut);
  if (!input.sensitivity) return { tensors, sensitivity: null };
  const sensitivity = await layerSensitivity({
    prepared,
    layers: input.layers,
    names: input.names,
    base: input.base,
    source: input.source,
    heldOut,
    reference,
    ...(threads === undefined ? {} : { threads }),
    onProgress: (done, total) => input.onProgress?.('sensitivity', done, total),
  });
  return { tensors, sensitivity };
}

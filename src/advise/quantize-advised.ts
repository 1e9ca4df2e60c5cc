// The advised static recipe: profile the model (one histogram calibration), start from the
// configuration `--activations auto` measured best (or the caller's activation mode), and with a
// target search for the least fallback that meets it on held-out batches, scoring with output
// SQNR against fp32 or the caller's metric. Ends in the same builder as runStaticRecipe, so the
// bytes it returns are what the plain recipe would write for that configuration.
// Not I/O (cli/ opens data, loads the metric module and writes files) and not formatting.
import { fail } from '../core/index.js';
import { buildQuantized, type BuiltModel, type Feeds } from '../ptq/index.js';
import { runProfileRecipe, type ProfiledModel, type ProfileOptions } from './profile-model.js';
import { measureLatency } from './latency-placement.js';
import { accuracySearch, type Trial } from './search.js';
import { outputSqnr, runBatches, type Outputs } from './variants.js';

/**
 * A user metric: scores a model's outputs on the held-out batches, higher is better.
 * `outputs[i]` and `inputs[i]` are batch i's outputs and feeds; `reference[i]` is what the fp32
 * model gave for it (for metrics that score agreement rather than labels).
 */
export type ScoreFunction = (
  outputs: Outputs,
  inputs: readonly Feeds[],
  reference: Outputs,
) => number | Promise<number>;

/** An accuracy target: a score (dB of output SQNR without a metric) or a share of fp32's. */
export interface AccuracyTarget {
  readonly value: number;
  /** `value` is a fraction of the fp32 model's own score (needs `score`). */
  readonly relative: boolean;
}

/** Options of runAdvisedRecipe: the profile's, and what to apply and search. */
export interface AdvisedOptions extends ProfileOptions {
  /** Apply the measured-best configuration (true) or `plan.activations` as given (false). */
  readonly auto: boolean;
  /** Search fallbacks until the target holds on the held-out batches. */
  readonly target?: AccuracyTarget;
  /** Scores held-out outputs; default: output SQNR against fp32 in dB. */
  readonly score?: ScoreFunction;
  /** Names the metric in the report (default: output SQNR). */
  readonly metricName?: string;
  readonly trials?: number;
  readonly onTrial?: (trial: Trial) => void;
  /**
   * Latency as the search's second objective (search.ts): each trial is timed against fp32 on
   * the first held-out batches, interleaved, `runs` rounds; slower-than-float layers go float.
   */
  readonly latency?: { readonly runs?: number };
}

/** What the advisor decided and, with a target, every trial of the search. */
export interface AdviceSummary {
  readonly hardware: string;
  readonly storage: string;
  /** Activation groups per recommended scheme. */
  readonly schemes: Readonly<Record<string, number>>;
  readonly heldOut: number;
  /** Which configuration auto applied, and the measurement that decided. */
  readonly auto: string;
  readonly search: {
    readonly metric: string;
    readonly target: number;
    readonly fp32: number | null;
    readonly reached: boolean;
    readonly trials: readonly Trial[];
    readonly chosen: number;
  } | null;
}

/** The quantized model, the profile behind it and the advice in words. */
export interface AdvisedResult {
  readonly built: BuiltModel;
  readonly profiled: ProfiledModel;
  readonly advice: AdviceSummary;
}

function schemesOf(profiled: ProfiledModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of profiled.profile.tensors) {
    if (p.kind !== 'activation') continue;
    const key = `${p.recommendation.scheme} ${p.recommendation.qtype}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** Quantizes `options.model` as advised; see the file comment. */
export async function runAdvisedRecipe(options: AdvisedOptions): Promise<AdvisedResult> {
  const searching = options.target !== undefined;
  if (options.target?.relative === true && options.score === undefined) {
    fail('bad-argument', 'a relative target (P% of fp32) needs a metric to score fp32 with');
  }
  const profiled = await runProfileRecipe({ ...options, sensitivity: searching });
  const start = options.auto ? profiled.auto : (options.plan ?? {});
  let built = buildQuantized(profiled.prepared, start, profiled.source);
  let search: AdviceSummary['search'] = null;
  if (options.target !== undefined) {
    const heldOut = await options.heldOut();
    if (heldOut.length === 0) {
      fail('bad-argument', 'an accuracy target needs held-out batches: at least 2 batches of data');
    }
    const threads = options.threads ?? 1;
    const reference = profiled.reference ?? (await runBatches(profiled.prepared, heldOut, threads));
    const score = options.score;
    const fp32 = score === undefined ? null : await score(reference, heldOut, reference);
    const goal = options.target.relative
      ? options.target.value * (fp32 ?? 0)
      : options.target.value;
    const found = await accuracySearch({
      prepared: profiled.prepared,
      start,
      source: profiled.source,
      ranking: profiled.profile.sensitivity?.layers ?? [],
      groups: profiled.groups,
      names: profiled.names,
      evaluate: async (bytes) => {
        const outputs = await runBatches(bytes, heldOut, threads);
        return score === undefined
          ? outputSqnr(reference, outputs)
          : score(outputs, heldOut, reference);
      },
      target: goal,
      startLabel: options.auto
        ? `--activations auto (${profiled.profile.auto.config})`
        : `--activations ${options.plan?.activations ?? 'asymmetric'}`,
      ...(options.trials === undefined ? {} : { trials: options.trials }),
      ...(options.onTrial === undefined ? {} : { onTrial: options.onTrial }),
      ...(options.latency === undefined
        ? {}
        : {
            latency: (models) =>
              measureLatency(profiled.prepared, models, {
                feeds: heldOut.slice(0, 2),
                threads,
                ...(options.latency?.runs === undefined ? {} : { runs: options.latency.runs }),
              }),
          }),
    });
    built = buildQuantized(profiled.prepared, found.options, profiled.source);
    search = {
      metric: options.metricName ?? 'output SQNR (dB) against fp32',
      target: goal,
      fp32,
      reached: found.reached,
      trials: found.trials,
      chosen: found.chosen.index,
    };
  }
  const p = profiled.profile;
  return {
    built,
    profiled,
    advice: {
      hardware: p.hardware.description,
      storage: p.hardware.storage.reason,
      schemes: schemesOf(profiled),
      heldOut: p.samples.heldOut,
      auto: p.auto.reason,
      search,
    },
  };
}

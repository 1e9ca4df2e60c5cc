// The user's per-tensor choices after a profile, as plan options: the advisor's recommendations
// (advise/auto-plan.ts, the plan `--activations auto` applies) with each overridden group set to
// the other scheme at its candidate's range, or its producing layer kept float. Also the rows
// the choices table shows. Pure data, no DOM; the page holds the choices, the worker applies them.
import { autoPlanOptions, type ModelProfile, type TensorProfile } from '../../advise/index.js';
import type { PlanOptions, TensorOverride } from '../../passes/index.js';
import { canKeepFloat, type GroupFacts, type TensorChoice } from './protocol.js';

/** The activation group rows of the choices table, in profile order. */
export function groupFacts(profile: ModelProfile): GroupFacts[] {
  return profile.tensors
    .filter((p) => p.kind === 'activation')
    .map((p) => {
      const sqnr = (scheme: 'asymmetric' | 'symmetric'): number | null => {
        const c = candidateFor(p, scheme, profile.hardware.storage.qtype);
        return c === undefined || !Number.isFinite(c.metrics.sqnrDb) ? null : c.metrics.sqnrDb;
      };
      const rec = p.recommendation;
      return {
        id: p.id,
        node: p.node,
        tensors: p.tensors.length,
        recommended: `${rec.scheme} ${rec.qtype}`,
        reason: rec.reason,
        sqnrDb: { asymmetric: sqnr('asymmetric'), symmetric: sqnr('symmetric') },
      };
    });
}

/** The per-tensor candidate of `scheme` under the recommendation's method (symmetric is scored as int8). */
function candidateFor(p: TensorProfile, scheme: 'asymmetric' | 'symmetric', storage: string) {
  const qtype = scheme === 'symmetric' ? 'int8' : storage;
  return p.candidates.find(
    (c) =>
      c.scheme === scheme &&
      c.qtype === qtype &&
      c.method === p.recommendation.method &&
      c.granularity === 'per-tensor',
  );
}

/**
 * Plan options applying the profile's recommendations to `base`, then each of `choices` (by
 * group id): the other scheme at that scheme's candidate range, or the producing layer float.
 */
export function planWithChoices(
  base: PlanOptions,
  profile: ModelProfile,
  choices: Readonly<Record<string, TensorChoice>>,
): PlanOptions {
  const storage = profile.hardware.storage;
  const activations = profile.tensors.filter((p) => p.kind === 'activation');
  const auto = autoPlanOptions(base, activations, storage);
  const tensors: Record<string, TensorOverride> = { ...(auto.tensors ?? {}) };
  const exclude = [...(auto.exclude ?? [])];
  for (const p of activations) {
    const choice = choices[p.id] ?? 'recommended';
    if (choice === 'recommended') continue;
    if (choice === 'float') {
      if (canKeepFloat(p)) exclude.push(p.node);
      continue;
    }
    const candidate = candidateFor(p, choice, storage.qtype);
    const override: TensorOverride = {
      scheme: choice,
      qtype: storage.qtype,
      ...(candidate === undefined ? {} : { range: candidate.range }),
    };
    for (const t of p.tensors) tensors[t] = override;
  }
  return { ...auto, tensors, ...(exclude.length === 0 ? {} : { exclude }) };
}

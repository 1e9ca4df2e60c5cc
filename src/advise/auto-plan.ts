// Turns the advisor's per-tensor recommendations into plan options that insertQdq applies: one
// activation storage type for the whole model (so fused kernels keep matching types), and per
// activation group an override with the recommended scheme and the range its candidate was
// scored with. Also what the accuracy search changes: a group's range to the method measured
// best on held-out data, int16 activations, or float.
// Not the recommending (recommend.ts) and not planning (passes/).
import type { ObserverKind } from '../observers/index.js';
import { activationQuant, type PlanOptions, type TensorOverride } from '../passes/index.js';
import { candidateKey, SEARCH_METHODS } from './measured-error.js';
import type { StorageChoice } from './storage-choice.js';
import type { TensorProfile } from './profile-types.js';

/** The whole-model activation mode a storage type gives (overrides set each group's scheme). */
export function baseMode(
  storage: StorageChoice,
): Pick<PlanOptions, 'activations' | 'symmetricType'> {
  return storage.qtype === 'int8'
    ? { activations: 'asymmetric-int8', symmetricType: 'int8' }
    : { activations: 'asymmetric', symmetricType: 'uint8' };
}

/** The override that applies one activation profile's recommendation. */
export function recommendedOverride(profile: TensorProfile): TensorOverride {
  const rec = profile.recommendation;
  const candidate = profile.candidates.find(
    (c) => c.scheme === rec.scheme && c.method === rec.method && c.granularity === 'per-tensor',
  );
  return {
    qtype: rec.qtype,
    scheme: rec.scheme,
    ...(candidate === undefined ? {} : { range: candidate.range }),
  };
}

/**
 * Plan options applying every activation recommendation in `profiles` on top of `base`;
 * overrides the user gave in `base.tensors` win over the advisor's.
 */
export function autoPlanOptions(
  base: PlanOptions,
  profiles: readonly TensorProfile[],
  storage: StorageChoice,
): PlanOptions {
  const tensors: Record<string, TensorOverride> = {};
  for (const p of profiles) {
    if (p.kind !== 'activation') continue;
    const override = recommendedOverride(p);
    for (const t of p.tensors) tensors[t] = override;
  }
  return {
    ...base,
    ...baseMode(storage),
    tensors: { ...tensors, ...(base.tensors ?? {}) },
  };
}

/** Levels of fallback for one layer in the accuracy search. */
export type Fallback = 'int16' | 'float';

/**
 * `options` with the layers in `fallbacks` moved off 8 bits: `int16` overrides every tensor of
 * the activation groups the layer reads or writes to int16 over the group's full range
 * (`groups` maps a layer's key to those profiles); `float` excludes the layer by name.
 */
export function withFallbacks(
  options: PlanOptions,
  fallbacks: ReadonlyMap<string, Fallback>,
  groups: ReadonlyMap<string, readonly TensorProfile[]>,
  names: ReadonlyMap<string, string>,
): PlanOptions {
  const tensors: Record<string, TensorOverride> = { ...(options.tensors ?? {}) };
  const exclude = [...(options.exclude ?? [])];
  for (const [node, level] of fallbacks) {
    if (level === 'float') {
      const name = names.get(node);
      if (name !== undefined) exclude.push(name);
      continue;
    }
    for (const p of groups.get(node) ?? []) {
      const range = { min: Math.min(0, p.stats.min), max: Math.max(0, p.stats.max) };
      const clamped = {
        min: Math.max(range.min, p.clamp?.min ?? -Infinity),
        max: Math.min(range.max, p.clamp?.max ?? Infinity),
      };
      for (const t of p.tensors)
        tensors[t] = { qtype: 'int16', scheme: 'asymmetric', range: clamped };
    }
  }
  return { ...options, tensors, exclude };
}

/** Margin (dB of held-out SQNR) by which another method must beat the current one to replace it. */
const METHOD_MARGIN_DB = 0.1;

/**
 * `options` with each of `groups` at the range of the method in SEARCH_METHODS that measured
 * the best SQNR on held-out data for the group's current scheme, when it beats the method the
 * group reads now (its override's, else `method`) by METHOD_MARGIN_DB; `changed` counts them.
 */
export function withMethodChoice(
  options: PlanOptions,
  groups: readonly TensorProfile[],
  method: ObserverKind,
): { options: PlanOptions; changed: number } {
  const tensors: Record<string, TensorOverride> = { ...(options.tensors ?? {}) };
  let changed = 0;
  for (const p of new Set(groups)) {
    const measured = p.measured?.candidates;
    const first = p.tensors[0];
    if (measured === undefined || first === undefined) continue;
    const own = tensors[first];
    const base = activationQuant(options);
    const qtype = own?.qtype ?? base.qtype;
    const scheme = own?.scheme ?? base.scheme;
    if (qtype !== 'uint8' && qtype !== 'int8') continue;
    // Symmetric candidates are scored as int8; uint8 storage with zero point 128 is that grid.
    const keyType = scheme === 'symmetric' ? 'int8' : qtype;
    const reads = own?.range === undefined ? method : p.recommendation.method;
    const current = reads === 'histogram' ? 'minmax' : reads;
    const now = measured[candidateKey({ scheme, qtype: keyType, method: current })];
    const choices = p.candidates.filter(
      (c) =>
        c.granularity === 'per-tensor' &&
        c.scheme === scheme &&
        c.qtype === keyType &&
        SEARCH_METHODS.includes(c.method),
    );
    let best: (typeof choices)[number] | undefined;
    for (const c of choices) {
      const db = measured[candidateKey(c)] ?? -Infinity;
      if (best === undefined || db > (measured[candidateKey(best)] ?? -Infinity)) best = c;
    }
    if (best === undefined || best.method === current) continue;
    if ((measured[candidateKey(best)] ?? -Infinity) <= (now ?? -Infinity) + METHOD_MARGIN_DB)
      continue;
    for (const t of p.tensors) tensors[t] = { qtype, scheme, range: best.range };
    changed++;
  }
  return { options: { ...options, tensors }, changed };
}

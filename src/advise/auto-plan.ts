// Turns the advisor's per-tensor recommendations into plan options that insertQdq applies: one
// activation storage type for the whole model (so fused kernels keep matching types), and per
// activation group an override with the recommended scheme and the range its candidate was
// scored with. Also the fallbacks the accuracy search adds: int16 activations, or float.
// Not the recommending (recommend.ts) and not planning (passes/).
import type { PlanOptions, TensorOverride } from '../passes/index.js';
import type { StorageChoice } from './activation-costs.js';
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

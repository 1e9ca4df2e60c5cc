// The studio's per-tensor choices on a real (tiny) profile: accepting every recommendation is
// exactly the plan `--activations auto` applies; an override moves the group to the other
// scheme at that scheme's candidate range; 'float' keeps the producing layer float by name.
import { describe, expect, it } from 'vitest';
import { autoPlanOptions, runProfileRecipe } from '../../advise/index.js';
import { convChain, convInputs } from '../../../test/helpers/conv-chain.js';
import { groupFacts, planWithChoices } from './choices.js';
import { canKeepFloat } from './protocol.js';

const { profile } = await runProfileRecipe({
  model: convChain(),
  name: 'conv-chain',
  batches: convInputs(8, 1),
  heldOut: () => [],
  sensitivity: false,
});
const activations = profile.tensors.filter((p) => p.kind === 'activation');
const base = { activations: 'asymmetric', weightGranularity: 'per-channel' } as const;

describe('planWithChoices', () => {
  it('with no overrides is the plan --activations auto applies', () => {
    const auto = autoPlanOptions(base, activations, profile.hardware.storage);
    expect(planWithChoices(base, profile, {})).toEqual(auto);
    expect(planWithChoices(base, profile, { [activations[0]!.id]: 'recommended' })).toEqual(auto);
  });

  it('an override sets every tensor of the group to the other scheme at its candidate range', () => {
    const group = activations.find((p) => p.tensors.length > 0)!;
    const other = group.recommendation.scheme === 'symmetric' ? 'asymmetric' : 'symmetric';
    const plan = planWithChoices(base, profile, { [group.id]: other });
    const candidate = group.candidates.find(
      (c) =>
        c.scheme === other &&
        c.method === group.recommendation.method &&
        c.granularity === 'per-tensor' &&
        c.qtype === (other === 'symmetric' ? 'int8' : profile.hardware.storage.qtype),
    )!;
    for (const t of group.tensors) {
      expect(plan.tensors?.[t]).toEqual({
        scheme: other,
        qtype: profile.hardware.storage.qtype,
        range: candidate.range,
      });
    }
    const untouched = activations.find((p) => p.id !== group.id)!;
    expect(plan.tensors?.[untouched.tensors[0]!]?.scheme).toBe(untouched.recommendation.scheme);
  });

  it("'float' excludes the named layer that produces the group, never a graph input", () => {
    const produced = activations.find((p) => canKeepFloat(p))!;
    const input = activations.find((p) => p.node === 'graph input');
    const choices = {
      [produced.id]: 'float' as const,
      ...(input ? { [input.id]: 'float' as const } : {}),
    };
    expect(planWithChoices(base, profile, choices).exclude).toEqual([produced.node]);
  });

  it('the table has a row per activation group with both schemes’ expected SQNR', () => {
    const rows = groupFacts(profile);
    expect(rows.map((r) => r.id)).toEqual(activations.map((p) => p.id));
    for (const r of rows) {
      expect(r.reason.length).toBeGreaterThan(10);
      for (const db of [r.sqnrDb.asymmetric, r.sqnrDb.symmetric]) {
        expect(db === null || Number.isFinite(db)).toBe(true);
      }
    }
  });
});

// The accuracy-driven search on a tiny three-Conv model: trial 1 is the starting configuration;
// each batch of layers (most sensitive first, doubling) tries its best-measured method, int16
// and float on the best configuration so far; a trial below its base is reverted and the next
// trial builds on the base again; with every layer float the target is reachable and reached.
import { describe, expect, it } from 'vitest';
import { readModel } from '../onnx/index.js';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { runProfileRecipe } from './profile-model.js';
import { withMethodChoice } from './auto-plan.js';
import { accuracySearch, type SearchInput } from './search.js';
import { outputSqnr, runBatches } from './variants.js';

const model = convChain();
const heldOut = convInputs(3, 100);
const profiled = await runProfileRecipe({
  model,
  name: 'conv-chain',
  batches: convInputs(8, 1),
  heldOut: () => heldOut,
  method: 'minmax',
});
const reference = await runBatches(profiled.prepared, heldOut);
const ranking = profiled.profile.sensitivity!.layers;

function input(evaluate: SearchInput['evaluate'], target: number, trials?: number): SearchInput {
  return {
    prepared: profiled.prepared,
    start: profiled.auto,
    source: profiled.source,
    ranking,
    groups: profiled.groups,
    names: profiled.names,
    evaluate,
    target,
    ...(trials === undefined ? {} : { trials }),
  };
}

describe('accuracySearch', () => {
  it('reaches an unreachable-by-int8 target by falling every layer back to float', async () => {
    expect(ranking.map((l) => l.opType)).toEqual(['Conv', 'Conv', 'Conv']);
    const measure = async (bytes: Uint8Array) =>
      outputSqnr(reference, await runBatches(bytes, heldOut));
    const result = await accuracySearch(input(measure, Infinity));
    const [first] = ranking.map((l) => l.label);
    const changes = result.trials.map((t) => t.change);
    expect(changes[0]).toBe('the recommended configuration');
    expect(changes).toContain(`int16 activations for ${first}`);
    expect(changes).toContain(`float for ${first}`);
    expect(result.reached).toBe(true);
    expect(result.chosen.score).toBe(Infinity);
    expect([...result.chosen.float].sort()).toEqual(ranking.map((l) => l.label).sort());
    // Only the all-float model computes exactly what fp32 does.
    expect(result.trials.slice(0, -1).every((t) => t.score < Infinity)).toBe(true);
  });

  it('every trial builds on the best kept trial; one below its base is reverted', async () => {
    const scores = [10, 12, 8, 9, 15, 1, 1, 1, 1];
    const result = await accuracySearch(input(() => Promise.resolve(scores.shift()!), 14));
    const [t1, t2, t3, t4, t5] = result.trials;
    expect(t1).toMatchObject({ base: 0, kept: true, score: 10 });
    expect(t2).toMatchObject({ base: 1, kept: true, score: 12 });
    expect(t3).toMatchObject({ base: 2, kept: false, score: 8 });
    expect(t3!.outcome).toMatch(/^reverted: 8\.00 against trial 2's 12\.00 \(-4\.00\)$/);
    expect(t4).toMatchObject({ base: 2, kept: false, score: 9 });
    expect(t5).toMatchObject({ base: 2, kept: true, score: 15, meetsTarget: true });
    expect(result).toMatchObject({ reached: true, chosen: { index: 5 } });
    expect(result.trials).toHaveLength(5);
  });

  it('keeps the best trial when the budget ends first', async () => {
    const scores = [3, 5, 4];
    const result = await accuracySearch(input(() => Promise.resolve(scores.shift()!), 10, 3));
    expect(result.trials.map((t) => t.score)).toEqual([3, 5, 4]);
    expect(result).toMatchObject({ reached: false, chosen: { index: 2 } });
  });

  it('stops at the first trial that meets the target, with its model', async () => {
    let calls = 0;
    const result = await accuracySearch(input(() => Promise.resolve(++calls), 2));
    expect(result.trials).toHaveLength(2);
    expect(result).toMatchObject({ reached: true, chosen: { index: 2, meetsTarget: true } });
    const graph = readModel(result.bytes).graph!;
    const changed = result.trials[1]!.change;
    if (changed.startsWith('int16')) {
      expect(graph.initializer.filter((t) => t.dataType === 5).length).toBeGreaterThan(0);
    } else {
      expect(result.trials[1]!.methods).toBeGreaterThan(0);
    }
  });
});

describe('withMethodChoice', () => {
  const groups = [...profiled.groups.values()].flat();
  const p = groups[0]!;
  const measured = (best: string) => {
    const candidates: Record<string, number> = {};
    for (const m of ['minmax', 'percentile', 'mse']) candidates[`asymmetric uint8 ${m}`] = 20;
    candidates[`asymmetric uint8 ${best}`] = 30;
    return { ...p, measured: { sqnrDb: 20, mse: 1, candidates } };
  };

  it('reads the held-out measurements the profile made for every group the search sees', () => {
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((g) => g.measured?.candidates !== undefined)).toBe(true);
  });

  it('moves a group to the method that measured best, with that candidate range', () => {
    const { options, changed } = withMethodChoice(
      { activations: 'asymmetric' },
      [measured('mse')],
      'minmax',
    );
    expect(changed).toBe(1);
    const mse = p.candidates.find(
      (c) => c.method === 'mse' && c.scheme === 'asymmetric' && c.qtype === 'uint8',
    )!;
    for (const t of p.tensors) {
      expect(options.tensors?.[t]).toEqual({
        qtype: 'uint8',
        scheme: 'asymmetric',
        range: mse.range,
      });
    }
  });

  it('leaves a group whose current method measured best', () => {
    const { options, changed } = withMethodChoice(
      { activations: 'asymmetric' },
      [measured('minmax')],
      'minmax',
    );
    expect(changed).toBe(0);
    expect(options.tensors).toEqual({});
  });
});

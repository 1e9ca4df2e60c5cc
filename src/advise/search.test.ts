// The accuracy-driven search on a tiny three-Conv model: the starting trial is the
// recommendation, each batch of layers (most sensitive first, doubling) goes to int16 then to
// float, it stops at the first trial that meets the target, and without one it keeps the best
// within the trial budget. Fallbacks really change the model: float layers read float inputs.
import { describe, expect, it } from 'vitest';
import { readModel } from '../onnx/index.js';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { profileModel } from './profile-model.js';
import { accuracySearch } from './search.js';
import { outputSqnr, runBatches } from './variants.js';

const model = convChain();
const heldOut = convInputs(3, 100);
const profiled = await profileModel({
  model,
  name: 'conv-chain',
  batches: convInputs(8, 1),
  heldOut: () => heldOut,
  method: 'minmax',
});
const reference = await runBatches(profiled.prepared, heldOut);

describe('accuracySearch', () => {
  it('ranks the three Conv layers and falls them back int16 first, then float', async () => {
    const ranking = profiled.profile.sensitivity!.layers;
    expect(ranking.map((l) => l.opType)).toEqual(['Conv', 'Conv', 'Conv']);
    const sqnr: number[] = [];
    const result = await accuracySearch({
      prepared: profiled.prepared,
      start: profiled.auto,
      ranges: profiled.ranges,
      ranking,
      groups: profiled.groups,
      names: profiled.names,
      evaluate: async (bytes) => {
        sqnr.push(outputSqnr(reference, await runBatches(bytes, heldOut)));
        return sqnr[sqnr.length - 1]!;
      },
      target: Infinity,
      trials: 5,
    });
    const [first, second] = ranking.map((l) => l.label);
    expect(result.trials.map((t) => t.change)).toEqual([
      'the recommended configuration',
      `int16 activations for ${first}`,
      `float for ${first}`,
      expect.stringMatching(/^int16 activations for Conv_\d, Conv_\d$/),
      expect.stringMatching(/^float for Conv_\d, Conv_\d$/),
    ]);
    expect(result.trials[2]).toMatchObject({ int16: [], float: [first] });
    expect(result.trials[3]!.int16).toHaveLength(2);
    expect(result.trials[3]!.int16).not.toContain(first);
    expect(second).toBeDefined();
    // Every layer float at trial 5: the model computes what fp32 does, the only way to an
    // infinite SQNR.
    expect(sqnr[4]).toBe(Infinity);
    expect(result).toMatchObject({ reached: true, chosen: { index: 5 } });
    expect(Math.max(...sqnr.slice(0, 4))).toBeLessThan(Infinity);
  });

  it('keeps the best trial when the budget ends first', async () => {
    const scores = [3, 5, 4];
    const result = await accuracySearch({
      prepared: profiled.prepared,
      start: profiled.auto,
      ranges: profiled.ranges,
      ranking: profiled.profile.sensitivity!.layers,
      groups: profiled.groups,
      names: profiled.names,
      evaluate: () => Promise.resolve(scores.shift()!),
      target: 10,
      trials: 3,
    });
    expect(result.trials.map((t) => t.score)).toEqual([3, 5, 4]);
    expect(result).toMatchObject({ reached: false, chosen: { index: 2 } });
  });

  it('stops at the first trial that meets the target', async () => {
    let calls = 0;
    const result = await accuracySearch({
      prepared: profiled.prepared,
      start: profiled.auto,
      ranges: profiled.ranges,
      ranking: profiled.profile.sensitivity!.layers,
      groups: profiled.groups,
      names: profiled.names,
      evaluate: () => Promise.resolve(++calls),
      target: 2,
    });
    expect(result.trials).toHaveLength(2);
    expect(result).toMatchObject({ reached: true, chosen: { index: 2, meetsTarget: true } });
    const graph = readModel(result.bytes).graph!;
    const q16 = graph.initializer.filter((t) => t.dataType === 5); // int16 zero points
    expect(q16.length).toBeGreaterThan(0);
  });
});

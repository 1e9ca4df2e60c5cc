// The search's latency objective on the tiny three-Conv model, with the timing replaced by a
// scripted one (real timings would make the outcome depend on the machine's load): every trial
// reports its latency; after the accuracy part, the layers measured slower in int8 go float in
// one trial, kept only when that model measured faster than its base and still meets the target.
import { describe, expect, it } from 'vitest';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import type { NodeComparison } from '../hardware/index.js';
import type { LatencyMeasure } from './latency-placement.js';
import { runProfileRecipe } from './profile-model.js';
import { accuracySearch, type SearchInput } from './search.js';

const profiled = await runProfileRecipe({
  model: convChain(),
  name: 'conv-chain',
  batches: convInputs(8, 1),
  heldOut: () => convInputs(3, 100),
  method: 'minmax',
});
const slowest = profiled.profile.sensitivity!.layers.at(-1)!.label;

const measure = (ratio: number, slower: string[]): LatencyMeasure => ({
  ratio,
  ms: ratio,
  fp32Ms: 1,
  slower,
  comparison: {} as NodeComparison,
});

/** Latencies by call: the first trial 1.3x with `slowest` slower; a latency trial `paired`. */
function scripted(paired: number): NonNullable<SearchInput['latency']> {
  return (models) =>
    Promise.resolve(
      models.length === 1
        ? { measures: [measure(1.3, [slowest])], againstFirst: [1] }
        : {
            measures: [measure(1.3, [slowest]), measure(1.3 * paired, [])],
            againstFirst: [1, paired],
          },
    );
}

function input(latency: SearchInput['latency'], score: () => number): SearchInput {
  return {
    prepared: profiled.prepared,
    start: profiled.auto,
    source: profiled.source,
    ranking: profiled.profile.sensitivity!.layers,
    groups: profiled.groups,
    names: profiled.names,
    evaluate: () => Promise.resolve(score()),
    target: 10,
    ...(latency === undefined ? {} : { latency }),
  };
}

describe('accuracySearch with a latency objective', () => {
  it('keeps float the layers measured slower when the model gets faster and stays accurate', async () => {
    const result = await accuracySearch(input(scripted(0.8), () => 20));
    expect(result.trials).toHaveLength(2);
    const [t1, t2] = result.trials;
    expect(t1).toMatchObject({ latency: 1.3, kept: true, slowFloat: [] });
    expect(t2!.change).toBe(
      `float for the layers measured slower in int8 than in fp32: ${slowest}`,
    );
    expect(t2).toMatchObject({ kept: true, slowFloat: [slowest] });
    expect(t2!.latency).toBeCloseTo(1.04);
    expect(t2!.outcome).toMatch(/latency 1\.04x fp32, 0\.800x trial 1's/);
    expect(result.options.exclude).toContain(slowest);
  });

  it('reverts the latency trial when it is not faster, or when it loses the target', async () => {
    const notFaster = await accuracySearch(input(scripted(0.995), () => 20));
    expect(notFaster.trials.map((t) => t.kept)).toEqual([true, false]);
    expect(notFaster.options.exclude ?? []).not.toContain(slowest);
    const scores = [20, 5];
    const lossy = await accuracySearch(input(scripted(0.5), () => scores.shift()!));
    expect(lossy.trials.map((t) => t.kept)).toEqual([true, false]);
    expect(lossy.chosen.index).toBe(1);
  });

  it('without the objective, trials carry no latency', async () => {
    const result = await accuracySearch(input(undefined, () => 20));
    expect(result.trials.map((t) => t.latency)).toEqual([null]);
  });
});

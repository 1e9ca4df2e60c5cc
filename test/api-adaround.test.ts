// quantizeAdaround through the package entry: the held-out split, the settings passed through,
// progress per layer, and the static report of the model it returns (PTQ kept: the model and
// sample count of quantizeStatic on the same feeds). Lean: the 8x8 conv chain.
import { describe, expect, it } from 'vitest';
import { quantizeAdaround, quantizeStatic } from '../src/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

describe('quantizeAdaround', () => {
  it('rounds every conv, reports each layer and holds out the last batches', async () => {
    const seen: number[] = [];
    const result = await quantizeAdaround(convChain(), convInputs(8, 7), {
      iterations: 20,
      holdout: 2,
      onLayer: (done) => seen.push(done),
    });
    const { adaround } = result.report;
    expect(seen).toEqual([1, 2, 3]);
    expect(adaround.layers.map((l) => l.node)).toHaveLength(3);
    expect(adaround.settings).toMatchObject({ iterations: 20, trainSamples: 6, heldOutSamples: 2 });
    expect(result.report.sizeAfter).toBe(result.model.length);
    await expect(quantizeAdaround(convChain(), convInputs(2, 7), { holdout: 2 })).rejects.toThrow(
      /holds out 2 of 2/,
    );
  });

  it('keeping PTQ returns and reports what quantizeStatic on the same feeds does', async () => {
    const feeds = convInputs(8, 7);
    const result = await quantizeAdaround(convChain(), feeds, { iterations: 0, holdout: 2 });
    const plain = await quantizeStatic(convChain(), feeds);
    expect(result.report.adaround.kept).toBe('ptq');
    expect(result.model).toEqual(plain.model);
    expect(result.report.samples).toBe(plain.report.samples);
    expect(result.report.notes.at(-1)).toMatch(/calibrated on all 8 batches/);
  });
});

// Issue 13's bad input "int64 ids outside the vocabulary pass through (the model decides)":
// calibration feeds ids as they are, so a negative id Gather accepts (it counts from the end)
// calibrates, and an id past the table fails in onnxruntime's Gather, reported as
// bad-calibration-data naming the batch and the runtime's message. Nothing clamps or remaps ids.
import { describe, expect, it } from 'vitest';
import { quantizeStatic, type FeedsLike } from '../src/api/index.js';
import { tinyBert, tokenSample, VOCAB } from './helpers/token-models.js';

/** Four calibration samples; sample 2's first two ids replaced by `ids`. */
function samples(ids: readonly bigint[]): FeedsLike[] {
  return Array.from({ length: 4 }, (_, k) => {
    const sample = tokenSample(k);
    if (k === 2) sample.input_ids!.set(ids);
    return Object.fromEntries(
      Object.entries(sample).map(([name, data]) => [
        name,
        { type: 'int64' as const, dims: [1, data.length], data },
      ]),
    );
  });
}

describe('token ids outside the vocabulary', () => {
  it('a negative id within the table calibrates like the id it counts back to', async () => {
    const model = tinyBert();
    const [negative, positive] = await Promise.all([
      quantizeStatic(model, samples([-1n, -2n])),
      quantizeStatic(model, samples([BigInt(VOCAB - 1), BigInt(VOCAB - 2)])),
    ]);
    expect(negative.model).toEqual(positive.model);
  });

  it("an id past the table is bad-calibration-data with onnxruntime's Gather message", async () => {
    const run = quantizeStatic(tinyBert(), samples([BigInt(VOCAB + 5)]));
    await expect(run).rejects.toMatchObject({ code: 'bad-calibration-data' });
    await expect(run).rejects.toThrow(/batch 2.*Gather.*idx=45/s);
  });
});

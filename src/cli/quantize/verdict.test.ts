// The inputs the quantize verdict times on when no calibration batch is given: token ids are
// zeros (a valid id in any vocabulary) over a short sequence where the model leaves its length
// open, and they run in the model; a calibration batch, when there is one, is used as it is.
import { describe, expect, it } from 'vitest';
import { readModel } from '../../onnx/index.js';
import { createSession } from '../../runtime/onnxruntime.js';
import { tinyBert } from '../../../test/helpers/token-models.js';
import { VERDICT_SEQUENCE, verdictFeeds } from './verdict.js';

describe('verdictFeeds', () => {
  const bytes = tinyBert();
  const model = readModel(bytes, 'tiny-bert.onnx');

  it('generates zero ids of batch 1 and VERDICT_SEQUENCE tokens for each int64 input', () => {
    const feeds = verdictFeeds(model, undefined);
    expect(Object.keys(feeds)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    for (const t of Object.values(feeds)) {
      expect(t.type).toBe('int64');
      expect(t.dims).toEqual([1, VERDICT_SEQUENCE]);
      expect((t.data as BigInt64Array).every((id) => id === 0n)).toBe(true);
    }
  });

  it('the generated ids run in the model', async () => {
    const session = await createSession(bytes);
    const outputs = await session.run(verdictFeeds(model, undefined));
    await session.release();
    expect(Object.values(outputs)[0]!.dims).toEqual([1, 2]);
  });

  it('a calibration batch is the timing input as it is', () => {
    const ids = { type: 'int64' as const, dims: [1, 3], data: BigInt64Array.of(5n, 6n, 7n) };
    const first = { input_ids: ids, attention_mask: ids, token_type_ids: ids };
    expect(verdictFeeds(model, first)).toBe(first);
  });
});

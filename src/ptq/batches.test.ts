// Batch streams: samples per batch, regrouping along the leading axis (splitting, joining,
// closing early on a trailing-shape change) and picking one shard's batches.
import { describe, expect, it } from 'vitest';
import { rebatch, samplesOf, shardBatches, type Feeds } from './batches.js';

function batch(rows: number, width: number, start: number): Feeds {
  const data = Float32Array.from({ length: rows * width }, (_, i) => start + i);
  return { x: { type: 'float32', dims: [rows, width], data } };
}

async function collect(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe('batch streams', () => {
  it('a batch holds as many samples as its first tensor’s leading size', () => {
    expect(samplesOf(batch(3, 2, 0))).toBe(3);
    expect(samplesOf({ s: { type: 'float32', dims: [], data: Float32Array.of(1) } })).toBe(1);
  });

  it('regrouping 1 + 3 + 2 samples by 4 gives 4 + 2 with the values in order', async () => {
    const out = await collect(rebatch([batch(1, 2, 0), batch(3, 2, 2), batch(2, 2, 8)], 4));
    expect(out.map((f) => f.x!.dims)).toEqual([
      [4, 2],
      [2, 2],
    ]);
    expect(Array.from(out[0]!.x!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(out[1]!.x!.data as Float32Array)).toEqual([8, 9, 10, 11]);
  });

  it('a trailing-shape change closes the pending batch early', async () => {
    const out = await collect(rebatch([batch(1, 2, 0), batch(1, 3, 0), batch(1, 3, 3)], 4));
    expect(out.map((f) => f.x!.dims)).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it('a batch of one sample passes through regrouping by 1 unchanged', async () => {
    const one = batch(1, 2, 0);
    const [out] = await collect(rebatch([one], 1));
    expect(out).toBe(one);
  });

  it('inputs of different leading sizes cannot be regrouped', async () => {
    const f: Feeds = {
      ...batch(2, 2, 0),
      y: { type: 'float32', dims: [1], data: Float32Array.of(0) },
    };
    await expect(collect(rebatch([f], 2))).rejects.toThrow(/differ in leading size/);
  });

  it('shard i of n takes every n-th batch from i, and the shards cover the stream once', async () => {
    const all = [0, 1, 2, 3, 4].map((k) => batch(1, 1, k));
    const shards = await Promise.all([0, 1].map((i) => collect(shardBatches(all, i, 2))));
    expect(shards.map((s) => s.map((f) => (f.x!.data as Float32Array)[0]))).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    await expect(collect(shardBatches(all, 2, 2))).rejects.toThrow(/shard 2\/2/);
  });
});

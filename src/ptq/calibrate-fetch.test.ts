// calibrate's 'auto' fetch: deriving is chosen by the mean size of the first batch's fetched
// tensors, the first batch is not lost to the peek, and either choice gives the statistics of
// fetching every tensor (a model with small activations and one with large ones).
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import type { Feeds } from './batches.js';
import { calibrate } from './calibrate.js';
import { DERIVE_FROM_VALUES, fetchForSizes, peekBatches } from './calibrate-fetch.js';

const f32 = (n: number): RuntimeTensor => ({
  type: 'float32',
  dims: [n],
  data: new Float32Array(n),
});

describe('fetchForSizes', () => {
  it('derives from a mean of DERIVE_FROM_VALUES float32 values per tensor', () => {
    const n = DERIVE_FROM_VALUES;
    expect(fetchForSizes({ a: f32(n - 100), b: f32(n + 100) })).toBe('derived');
    expect(fetchForSizes({ a: f32(n - 100), b: f32(n + 98) })).toBe('shared');
  });

  it('ignores tensors that are not float32, and fetches when none is', () => {
    const ids: RuntimeTensor = { type: 'int64', dims: [1], data: new BigInt64Array(1) };
    expect(fetchForSizes({ a: f32(DERIVE_FROM_VALUES), ids })).toBe('derived');
    expect(fetchForSizes({ ids })).toBe('shared');
  });
});

describe('peekBatches', () => {
  const batches = [1, 2, 3].map((k): Feeds => ({ x: f32(k) }));
  const lengths = async (all: AsyncIterable<Feeds> | Iterable<Feeds>) => {
    const out: number[] = [];
    for await (const b of all) out.push(b.x!.data.length);
    return out;
  };

  it('returns the first batch and then every batch, in order (sync and async streams)', async () => {
    async function* stream(): AsyncGenerator<Feeds> {
      for (const b of batches) yield await Promise.resolve(b);
    }
    for (const source of [batches, stream()]) {
      const { first, all } = await peekBatches(source);
      expect(first?.x!.data.length).toBe(1);
      expect(await lengths(all)).toEqual([1, 2, 3]);
    }
  });

  it('an empty stream has no first batch', async () => {
    const { first, all } = await peekBatches([]);
    expect(first).toBeUndefined();
    expect(await lengths(all)).toEqual([]);
  });
});

/** x [1, 2, side, side] -> Sigmoid -> * 6 -> + 0.5 -> Clip(0, 1) -> * x: a hard-sigmoid chain. */
function model(side: number): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [1, 2, side, side]);
  const six = g.initializer('six', 'float32', [], [6]);
  const half = g.initializer('half', 'float32', [1], [0.5]);
  const [lo, hi] = [
    g.initializer('lo', 'float32', [], [0]),
    g.initializer('hi', 'float32', [], [1]),
  ];
  const s = g.op('Sigmoid', [x]); // sigmoid_0
  const a = g.op('Add', [g.op('Mul', [s, six]), half]); // mul_1, add_2
  const c = g.op('Clip', [a, lo, hi]); // clip_3
  g.output(g.op('Mul', [x, c]), 'float32'); // mul_4
  return g.bytes();
}

describe("calibrate with fetch 'auto'", () => {
  const names = ['sigmoid_0', 'mul_1', 'add_2', 'clip_3', 'mul_4'];
  for (const side of [16, 160]) {
    it(`gives the statistics of fetching every tensor (${2 * side * side} values a tensor)`, async () => {
      const batches = Array.from({ length: 3 }, (_, b) => ({
        x: {
          type: 'float32' as const,
          dims: [1, 2, side, side],
          data: Float32Array.from(
            { length: 2 * side * side },
            (_, i) => (((i * 7919 + b * 104729) % 1000) - 500) / 50,
          ),
        },
      }));
      const run = (fetch: 'all' | 'auto') =>
        calibrate(model(side), names, batches, { method: 'percentile', fetch });
      const [fetched, auto] = await Promise.all([run('all'), run('auto')]);
      expect(auto.samples).toBe(3);
      expect(JSON.stringify(auto)).toEqual(JSON.stringify(fetched));
    });
  }
});

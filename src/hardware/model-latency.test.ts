import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { compareLatency } from './model-latency.js';
import { pairedRatios, quantile } from './timing-stats.js';

/** A chain of `n` Relu nodes on 16 floats: fast enough that one sample repeats runs. */
function chain(n: number): Uint8Array {
  const b = new GraphBuilder();
  let x = b.input('x', 'float32', [1, 16]);
  for (let i = 0; i < n; i++) x = b.op('Relu', [x]);
  b.output(x, 'float32', [1, 16]);
  return b.bytes();
}

const FEEDS = { x: { type: 'float32' as const, dims: [1, 16], data: new Float32Array(16) } };

describe('compareLatency', () => {
  it('times one thread on CPU time by default, the reference at exactly 1x with no spread', async () => {
    const t = await compareLatency([chain(1), chain(8)], FEEDS, { runs: 6, warmup: 2 });
    expect(t.clock).toBe('cpu');
    expect(t.threads).toBe(1);
    expect(t.runs).toBe(6);
    expect(t.ratios[0]).toBe(1);
    expect(t.spread[0]).toEqual([1, 1]);
    // A sub-millisecond model repeats within a 2 ms sample; the spread brackets the median.
    expect(t.repetitions).toBeGreaterThan(1);
    expect(t.spread[1]![0]).toBeLessThanOrEqual(t.ratios[1]!);
    expect(t.spread[1]![1]).toBeGreaterThanOrEqual(t.ratios[1]!);
  });

  it('uses wall time when asked or with more threads', async () => {
    const t = await compareLatency([chain(1)], FEEDS, { runs: 2, warmup: 1, threads: 2 });
    expect(t.clock).toBe('wall');
  });
});

describe('pairedRatios', () => {
  it('divides round by round over the rounds both have', () => {
    expect(pairedRatios([2, 6, 3], [1, 3])).toEqual([2, 2]);
    expect(quantile(pairedRatios([1, 2, 3, 4], [1, 1, 1, 1]), 0.25)).toBe(1.75);
  });
});

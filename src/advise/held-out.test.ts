// Splitting calibration batches: the first ones calibrate, the rest are held out, none is both,
// and the stream is read once whether calibration consumes it or a cache stands in.
import { describe, expect, it } from 'vitest';
import type { Feeds } from '../ptq/index.js';
import { defaultHeldOut, HeldOutSplit } from './held-out.js';

const batch = (i: number): Feeds => ({
  x: { type: 'float32', dims: [1, 2], data: Float32Array.of(i, i) },
});

async function* stream(n: number): AsyncGenerator<Feeds> {
  for (let i = 0; i < n; i++) yield await Promise.resolve(batch(i));
}

describe('HeldOutSplit', () => {
  it('passes the first batches on and keeps the rest', async () => {
    const split = new HeldOutSplit(stream(6), 4);
    const seen: number[] = [];
    for await (const f of split.calibration()) seen.push((f.x!.data as Float32Array)[0]!);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(split.heldOut.map((f) => (f.x!.data as Float32Array)[0])).toEqual([4, 5]);
    expect(split.calibrationSamples).toBe(4);
    expect(split.heldOutSamples).toBe(2);
  });

  it('drain collects the held-out batches when calibration never read the stream', async () => {
    const split = new HeldOutSplit([batch(0), batch(1), batch(2)], 2);
    await split.drain();
    expect(split.heldOut).toHaveLength(1);
  });
});

describe('defaultHeldOut', () => {
  it('holds out a quarter, at least one of two or more, at most eight', () => {
    expect([1, 2, 4, 16, 100].map(defaultHeldOut)).toEqual([0, 1, 1, 4, 8]);
  });
});

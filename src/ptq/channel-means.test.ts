// Per-channel means for bias correction: sums along the channel axis of NCHW batches, exact
// merges of shards, and a JSON round trip through the calibration cache.
import { describe, expect, it } from 'vitest';
import { createObserver } from '../observers/index.js';
import { mergeCalibration } from './calibration-cache.js';
import { CalibrationResult } from './calibration-result.js';
import { ChannelMeans } from './channel-means.js';

/** An NCHW batch [n, 2, 2, 2] whose channel c holds c * 10 + the sample index. */
function batch(n: number, offset = 0): { data: Float32Array; dims: number[] } {
  const dims = [n, 2, 2, 2];
  const data = new Float32Array(n * 8);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 4; i++) data[s * 8 + c * 4 + i] = c * 10 + s + offset;
  }
  return { data, dims };
}

function calibrated(means: ChannelMeans): CalibrationResult {
  const observer = createObserver('minmax');
  observer.observe(Float32Array.of(0, 1));
  return new CalibrationResult({
    model: 'm',
    tensors: ['x'],
    method: 'minmax',
    options: {},
    observers: new Map([['x', observer]]),
    batches: 1,
    samples: 1,
    notes: [],
    means: new Map([['x', means]]),
  });
}

describe('ChannelMeans', () => {
  it('averages each channel over batch and spatial positions', () => {
    const m = new ChannelMeans(1);
    const { data, dims } = batch(3);
    m.observe(data, dims, 'x');
    expect(Array.from(m.means())).toEqual([1, 11]);
    expect(m.count).toBe(12);
  });

  it('fails naming the tensor when the channel count changes between batches', () => {
    const m = new ChannelMeans(1);
    m.observe(new Float32Array(4), [1, 4], 'x');
    expect(() => m.observe(new Float32Array(3), [1, 3], 'x')).toThrow(/'x' changed from 4 to 3/);
  });

  it('merges shards to the means of all their data, and survives the cache JSON', () => {
    const a = new ChannelMeans(1);
    const b = new ChannelMeans(1);
    a.observe(batch(1).data, batch(1).dims, 'x');
    b.observe(batch(3, 5).data, batch(3, 5).dims, 'x');
    const merged = mergeCalibration(calibrated(a), calibrated(b));
    // Samples 0, 5, 6, 7: mean 4.5 in channel 0, 14.5 in channel 1.
    expect(Array.from(merged.channelMeans().get('x')!)).toEqual([4.5, 14.5]);
    const back = CalibrationResult.fromJSON(JSON.parse(JSON.stringify(merged.toJSON())));
    expect(Array.from(back.channelMeans().get('x')!)).toEqual([4.5, 14.5]);
  });

  it('reads caches written before means existed as having none', () => {
    const json = { ...calibrated(new ChannelMeans(1)).toJSON() } as Record<string, unknown>;
    delete json.means;
    expect(CalibrationResult.fromJSON(json).channelMeans().size).toBe(0);
  });
});

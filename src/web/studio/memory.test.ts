import { describe, expect, it } from 'vitest';
import { estimateMemory, formatBytes, MODEL_COPIES } from './memory.js';

const MiB = 2 ** 20;
const classifier = {
  modelBytes: 0.55 * MiB,
  nodes: 200,
  samples: 16,
  sampleBytes: 110_592,
  batchSize: 1,
};

describe('estimateMemory', () => {
  it('sums the model copies, one batch of node outputs and the held-out samples', () => {
    const e = estimateMemory(classifier);
    // 16 batches hold out 4 samples
    const expected = MODEL_COPIES * classifier.modelBytes + 200 * 110_592 + 4 * 110_592;
    expect(e.peakBytes).toBeCloseTo(expected, 0);
    expect(e.verdict).toBe('fits');
    expect(e.message).toMatch(
      /^This run fits in this tab: about [\d.]+ MiB at its peak, against 4\.00 GiB/,
    );
  });

  it('the smallest limit decides: a 1 GiB JS heap makes a 700 MiB run tight, 2 GiB of it too large', () => {
    const big = { ...classifier, modelBytes: 100 * MiB };
    expect(estimateMemory(big, { jsHeapBytes: 1024 * MiB }).verdict).toBe('tight');
    const huge = { ...classifier, modelBytes: 400 * MiB };
    const e = estimateMemory(huge, { jsHeapBytes: 1024 * MiB, deviceGiB: 8 });
    expect(e.verdict).toBe('too-large');
    expect(e.message).toMatch(/will not fit in this tab.*the tab’s JS heap limit/);
  });

  it('a model file of 2 GiB or more is refused whatever the limits', () => {
    const e = estimateMemory({ ...classifier, modelBytes: 2 ** 31 }, {});
    expect(e.verdict).toBe('too-large');
    expect(e.message).toMatch(/over 2 GiB cannot be read in one piece/);
  });

  it('device memory counts at half', () => {
    const e = estimateMemory({ ...classifier, modelBytes: 200 * MiB }, { deviceGiB: 2 });
    expect(e.budgetBytes).toBe(1024 * MiB);
    expect(e.verdict).toBe('too-large');
  });

  it('formats bytes as KiB, MiB, GiB', () => {
    expect([formatBytes(2048), formatBytes(3 * MiB), formatBytes(2 ** 31)]).toEqual([
      '2.0 KiB',
      '3.0 MiB',
      '2.00 GiB',
    ]);
  });
});

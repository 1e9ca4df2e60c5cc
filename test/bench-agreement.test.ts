// Agreement and timing statistics of `zeropoint bench`, on numbers small enough to check by hand:
// SQNR, max |diff| and top-1 summed over samples; which outputs count as distributions; medians,
// percentiles, paired ratios and the per-round order.
import { describe, expect, it } from 'vitest';
import { AgreementTally, isDistribution } from '../src/cli/bench/agreement.js';
import {
  median,
  pairedRatio,
  quantile,
  repetitionsFor,
  roundOrder,
} from '../src/hardware/timing-stats.js';
import type { RuntimeTensor } from '../src/runtime/onnxruntime.js';

const t = (dims: number[], values: number[]): RuntimeTensor => ({
  type: 'float32',
  dims,
  data: Float32Array.from(values),
});

describe('AgreementTally', () => {
  const ref = { y: t([2, 2], [0.5, 0.25, 0.25, 0.75]) };
  const out = { y: t([2, 2], [0.75, 0.5, 0.5, 0.25]) };
  // diffs 0.25 0.25 0.25 0.5: noise 0.4375; signal 0.25+0.0625+0.0625+0.5625 = 0.9375

  it('a model compared with itself: infinite SQNR, no difference, full top-1', () => {
    const tally = new AgreementTally();
    tally.add(ref, ref);
    expect(tally.result()).toEqual([{ name: 'y', sqnrDb: Infinity, maxAbsDiff: 0, top1: 1 }]);
  });

  it('SQNR = 10 log10(signal / noise), top-1 counts rows whose argmax matches', () => {
    const tally = new AgreementTally();
    tally.add(ref, out);
    const [a] = tally.result();
    expect(a!.sqnrDb).toBeCloseTo(10 * Math.log10(0.9375 / 0.4375), 12);
    expect(a!.maxAbsDiff).toBe(0.5);
    expect(a!.top1).toBe(0.5);
  });

  it('sums signal, noise and rows over samples', () => {
    const tally = new AgreementTally();
    tally.add(ref, out);
    tally.add(ref, ref);
    const [a] = tally.result();
    expect(a!.sqnrDb).toBeCloseTo(10 * Math.log10((2 * 0.9375) / 0.4375), 12);
    expect(a!.top1).toBe(0.75);
  });

  it('matches outputs by position when names differ, and leaves out mismatched sizes', () => {
    const tally = new AgreementTally();
    tally.add({ y: ref.y, z: t([3], [1, 2, 3]) }, { renamed: ref.y, other: t([2], [1, 2]) });
    expect(tally.result()).toEqual([{ name: 'y', sqnrDb: Infinity, maxAbsDiff: 0, top1: 1 }]);
  });
});

describe('isDistribution', () => {
  it('[batch, classes] scores are one, whatever their values', () => {
    expect(isDistribution([1, 3], Float64Array.from([-2, 5, 1]))).toBe(true);
  });
  it('per-step softmax rows are one; a sigmoid map is not', () => {
    expect(isDistribution([1, 2, 2], Float64Array.from([0.5, 0.5, 0.9, 0.1]))).toBe(true);
    expect(isDistribution([1, 1, 2, 2], Float64Array.from([0.9, 0.8, 0.1, 0.3]))).toBe(false);
  });
  it('a single class or a vector is not one', () => {
    expect(isDistribution([4, 1], Float64Array.from([1, 1, 1, 1]))).toBe(false);
    expect(isDistribution([4], Float64Array.from([0.25, 0.25, 0.25, 0.25]))).toBe(false);
  });
});

describe('timing statistics', () => {
  it('median and p90 interpolate between order statistics', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
  });
  it('paired ratio is the median of per-round ratios, immune to one slow round', () => {
    expect(pairedRatio([2, 20, 2.2], [1, 1, 1.1])).toBe(2);
  });
  it('repetitions fill the target time, at least one', () => {
    expect(repetitionsFor(0.001, 0.004)).toBe(4);
    expect(repetitionsFor(0.5, 0.004)).toBe(1);
  });
  it('each round is a permutation, and rounds differ', () => {
    const orders = [0, 1, 2, 3].map((r) => roundOrder(10, r));
    for (const o of orders)
      expect([...o].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(orders.map((o) => o.join(','))).size).toBe(4);
  });
});

// Timing statistics of `zeropoint bench` and the verdict, on numbers small enough to check by
// hand: medians, percentiles, paired ratios, repetitions and the per-round order.
import { describe, expect, it } from 'vitest';
import {
  median,
  pairedRatio,
  quantile,
  repetitionsFor,
  roundOrder,
} from '../src/hardware/timing-stats.js';

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

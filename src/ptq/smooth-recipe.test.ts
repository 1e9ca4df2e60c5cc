// The held-out split SmoothQuant chooses alpha on: a quarter of the batches, or of the samples of
// a single batch; fewer than two samples cannot be split.
import { describe, expect, it } from 'vitest';
import { holdOut } from './smooth-recipe.js';
import type { Feeds } from './batches.js';

const batch = (n: number, first = 0): Feeds => ({
  x: {
    type: 'float32',
    dims: [n, 2],
    data: Float32Array.from({ length: 2 * n }, (_, i) => first + i),
  },
});

describe('holdOut', () => {
  it('holds out the last quarter of the batches', () => {
    const { fit, held } = holdOut([0, 1, 2, 3, 4, 5, 6, 7].map((i) => batch(1, i)));
    expect([fit.length, held.length]).toEqual([6, 2]);
    expect(held[0]!.x!.data[0]).toBe(6);
  });

  it('splits the samples of a single batch, the last quarter held out', () => {
    const { fit, held } = holdOut([batch(8)]);
    expect(fit[0]!.x!.dims).toEqual([6, 2]);
    expect(Array.from(held[0]!.x!.data as Float32Array)).toEqual([12, 13, 14, 15]);
  });

  it('refuses a single sample', () => {
    expect(() => holdOut([batch(1)])).toThrow(/2 samples or more/);
  });
});

import { describe, expect, it } from 'vitest';
import { forEachRun, layoutOf, paramShape } from './granularity.js';
import { rangesOf } from './tensor-qparams.js';

describe('granularity', () => {
  it('per-block parameters follow ONNX blocked layout: axis dim becomes ceil(d / blockSize)', () => {
    const g = { kind: 'per-block', axis: 1, blockSize: 2 } as const;
    expect(paramShape([2, 5, 3], g)).toEqual([2, 3, 3]);
    expect(layoutOf([2, 5, 3], g)).toEqual({
      outer: 2,
      length: 5,
      inner: 3,
      blocks: 3,
      groups: 18,
    });
  });

  it('per-axis has one group per slice and accepts negative axes', () => {
    expect(paramShape([4, 6], { kind: 'per-axis', axis: -1 })).toEqual([6]);
    expect(layoutOf([4, 6], { kind: 'per-axis', axis: -1 }).groups).toBe(6);
  });

  it('every element is visited exactly once, in its group', () => {
    const shape = [3, 4, 2];
    const g = { kind: 'per-block', axis: 1, blockSize: 3 } as const;
    const seen = new Array<number>(24).fill(0);
    const groups: number[] = [];
    forEachRun(layoutOf(shape, g), g, (start, count, group, step) => {
      for (let j = 0; j < count; j++) {
        seen[start + j]! += 1;
        groups[start + j] = group + j * step;
      }
    });
    expect(seen.every((n) => n === 1)).toBe(true);
    // element (o=1, c=3, k=1) is in block 1 of row 1: group (1 * 2 + 1) * 2 + 1 = 7
    expect(groups[(1 * 4 + 3) * 2 + 1]).toBe(7);
  });

  it('rangesOf takes min and max per block', () => {
    const x = Float32Array.of(1, -2, 3, 4, -5, 6);
    const r = rangesOf(x, [6], { kind: 'per-block', axis: 0, blockSize: 4 });
    expect(Array.from(r.min)).toEqual([-2, -5]);
    expect(Array.from(r.max)).toEqual([4, 6]);
  });

  it('a group containing NaN gets NaN bounds so parameter choice rejects it', () => {
    const r = rangesOf(Float32Array.of(1, NaN, 2, 3), [2, 2], { kind: 'per-axis', axis: 0 });
    expect(Array.from(r.min)).toEqual([NaN, 2]);
  });

  it('rejects an axis outside the rank and a zero block size', () => {
    expect(() => layoutOf([2, 2], { kind: 'per-axis', axis: 2 })).toThrow(/axis 2/);
    expect(() => layoutOf([2, 2], { kind: 'per-block', axis: 0, blockSize: 0 })).toThrow(/block/);
  });
});

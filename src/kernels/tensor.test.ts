import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { paramIndex, planMatMul } from './matmul-shapes.js';
import { broadcastIndex, broadcastShapes, checkShape, scaleDtypeOf } from './tensor.js';

function code(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('tensor helpers', () => {
  it('broadcastShapes follows numpy: [2, 1, 3] with [4, 1] is [2, 4, 3]', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [5])).toEqual([5]);
    expect(code(() => broadcastShapes([2], [3]))).toBe('bad-shape');
  });

  it('broadcastIndex repeats size-1 and missing axes', () => {
    expect([...broadcastIndex([2, 1], [3, 2, 2])]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...broadcastIndex([3], [2, 3])]).toEqual([0, 1, 2, 0, 1, 2]);
    expect([...broadcastIndex([], [])]).toEqual([0]);
    expect(code(() => broadcastIndex([2, 3], [3]))).toBe('bad-shape');
    expect(code(() => broadcastIndex([2], [3]))).toBe('bad-shape');
  });

  it('checkShape rejects negative, fractional and mismatched shapes', () => {
    expect(code(() => checkShape(6, [2, 3], 'x'))).toBe('none');
    expect(code(() => checkShape(1, [], 'x'))).toBe('none');
    expect(code(() => checkShape(6, [-2, -3], 'x'))).toBe('bad-shape');
    expect(code(() => checkShape(3, [1.5, 2], 'x'))).toBe('bad-shape');
    expect(code(() => checkShape(5, [2, 3], 'x'))).toBe('bad-shape');
  });

  it('scaleDtypeOf defaults to float32 and holds float16 scales to float16 values', () => {
    expect(scaleDtypeOf({ data: Float32Array.of(0.1), shape: [] }, 's')).toBe('float32');
    const half = { data: Float32Array.of(0.099975586), shape: [], dtype: 'float16' as const };
    expect(scaleDtypeOf(half, 's')).toBe('float16');
    expect(code(() => scaleDtypeOf({ ...half, data: Float32Array.of(0.1) }, 's'))).toBe(
      'bad-argument',
    );
    expect(code(() => scaleDtypeOf({ data: Float32Array.of(-1), shape: [] }, 's'))).toBe(
      'bad-argument',
    );
  });

  it('planMatMul broadcasts batches: [2, 1, M, K] x [3, K, N] is [2, 3, M, N]', () => {
    const plan = planMatMul([2, 1, 4, 5], [3, 5, 6]);
    expect(plan.outShape).toEqual([2, 3, 4, 6]);
    expect([...plan.aBatch]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...plan.bBatch]).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('paramIndex reads scalars, [M] vectors and [..., M, 1] tensors', () => {
    expect(paramIndex([1, 1], [2], 3, 'row', 'p')(1, 2)).toBe(0);
    expect(paramIndex([3], [2], 3, 'row', 'p')(1, 2)).toBe(2);
    expect(paramIndex([2, 3, 1], [2], 3, 'row', 'p')(1, 2)).toBe(5);
    expect(paramIndex([1, 1, 3], [4, 2], 3, 'column', 'p')(5, 1)).toBe(1);
    expect(code(() => paramIndex([3, 1], [], 3, 'column', 'p'))).toBe('bad-shape');
    expect(code(() => paramIndex([4], [], 3, 'row', 'p'))).toBe('bad-shape');
  });
});

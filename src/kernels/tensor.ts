// The tensors the reference kernels take and return: a typed array plus a row-major shape,
// and the validation and broadcasting helpers every kernel shares. Not a tensor library:
// no strides, views or dtype objects beyond what the kernels need.
import { f16round, fail, sizeOf, type QType } from '../core/index.js';

/** Integer element arrays a kernel may see (inputs, zero points, accumulators). */
export type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

/** The 8-bit operand arrays of the integer ONNX operators. */
export type Int8Like = Int8Array | Uint8Array;

/** The qtype names of the 8-bit operands. */
export type Int8QType = Extract<QType, 'int8' | 'uint8'>;

/** An integer tensor: `data` row-major over `shape` (shape [] is a scalar). */
export interface IntTensor<T extends IntArray = IntArray> {
  readonly data: T;
  readonly shape: readonly number[];
}

/** A float32 tensor: `data` row-major over `shape`. */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Element type of a scale tensor; float16 values arrive decoded, held exactly in float32. */
export type ScaleDtype = 'float32' | 'float16';

/** A scale tensor; `dtype` (default float32) decides the precision scale arithmetic rounds to. */
export interface ScaleTensor extends FloatTensor {
  readonly dtype?: ScaleDtype;
}

/** Fails with `bad-shape` unless `shape` is a list of non-negative integers matching `length`. */
export function checkShape(length: number, shape: readonly number[], name: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      fail('bad-shape', `${name} has invalid shape [${shape.join(', ')}]`, { tensor: name });
    }
  }
  if (sizeOf(shape) !== length) {
    fail('bad-shape', `${name} has ${length} values but shape [${shape.join(', ')}]`, {
      tensor: name,
    });
  }
}

/** The 8-bit qtype of an operand's array, failing with `bad-argument` for any other array. */
export function int8QType(data: IntArray, name: string): Int8QType {
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  return fail('bad-argument', `${name} must be int8 or uint8`, { tensor: name });
}

/** Fails with `bad-argument` unless a zero point has the same element type as its operand. */
export function checkSameType(operand: IntArray, zeroPoint: IntArray, name: string): void {
  if (operand.constructor !== zeroPoint.constructor) {
    fail('bad-argument', `${name} must have the element type of its input`, { tensor: name });
  }
}

/** The single value of a one-element tensor (shape [] or [1] or [1, 1], ...). */
export function scalarOf(t: IntTensor | FloatTensor, name: string): number {
  checkShape(t.data.length, t.shape, name);
  if (t.data.length !== 1) {
    fail('bad-shape', `${name} must be a scalar, got shape [${t.shape.join(', ')}]`, {
      tensor: name,
    });
  }
  return t.data[0] as number;
}

/** The dtype of a scale tensor; fails unless every scale is finite, positive and of that dtype. */
export function scaleDtypeOf(t: ScaleTensor, name: string): ScaleDtype {
  const dtype = t.dtype ?? 'float32';
  for (const v of t.data) {
    if (!(v > 0) || !Number.isFinite(v)) {
      fail('bad-argument', `${name} must hold finite positive scales, got ${v}`, { tensor: name });
    }
    if (dtype === 'float16' && f16round(v) !== v) {
      fail('bad-argument', `${name} is float16 but holds ${v}`, { tensor: name });
    }
  }
  return dtype;
}

/** numpy broadcasting of two shapes, failing with `bad-shape` when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail('bad-shape', `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * For each flat index into `to`, the flat index into `from` that numpy broadcasting reads
 * (dims right-aligned; a dim of 1 in `from` repeats). `from` must broadcast to `to`.
 */
export function broadcastIndex(from: readonly number[], to: readonly number[]): Int32Array {
  if (broadcastShapes(from, to).some((d, i) => d !== to[i]) || from.length > to.length) {
    fail('bad-shape', `shape [${from.join(', ')}] does not broadcast to [${to.join(', ')}]`);
  }
  const out = new Int32Array(sizeOf(to));
  const lead = to.length - from.length;
  // Stride of each `to` axis in `from`, 0 where `from` repeats.
  const strides = to.map(() => 0);
  let stride = 1;
  for (let i = from.length - 1; i >= 0; i--) {
    const d = from[i] as number;
    strides[lead + i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  const index = to.map(() => 0);
  let offset = 0;
  for (let flat = 0; flat < out.length; flat++) {
    out[flat] = offset;
    // Odometer step over `to`, last axis fastest.
    for (let axis = to.length - 1; axis >= 0; axis--) {
      const s = strides[axis] as number;
      if ((index[axis] as number) + 1 < (to[axis] as number)) {
        index[axis] = (index[axis] as number) + 1;
        offset += s;
        break;
      }
      offset -= s * (index[axis] as number);
      index[axis] = 0;
    }
  }
  return out;
}

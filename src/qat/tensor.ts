// The differentiable executor's values: float tensors (QTensor, what gradients flow through)
// and integer tensors (IntTensor: shapes, indices, masks, int64/int32/bool alike, exact up to
// 2^53), plus the small shape helpers every op uses. Not the ONNX TensorProto codec
// (onnx/tensor.ts) and not arithmetic: the ops own their loops.
import { fail, sizeOf } from '../core/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { DType } from '../onnx/index.js';
import { nodeLabel } from '../onnx/index.js';

/** A float tensor, row-major: data.length === product of shape. */
export interface QTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** An integer or boolean tensor (shapes, indices, masks); never differentiated. */
export interface IntTensor {
  readonly shape: readonly number[];
  readonly ints: Float64Array;
  /** The ONNX type it stands for (int64, int32, bool, int8, ...). */
  readonly dtype: DType;
}

/** Any value the executor passes between nodes. */
export type Value = QTensor | IntTensor;

/** The ONNX node an op runs for (the contract's GraphNode). */
export type GraphNode = NodeProto;

/** True when `value` is an integer or boolean tensor. */
export function isInt(value: Value): value is IntTensor {
  return 'ints' in value;
}

let FloatArray: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array;

// Recycled float32 buffers by length. Fresh large arrays cost first-touch page faults (here
// more than the loops that fill them), so the executor hands back what a finished step
// allocated (recycle) and allocFloat reuses it, zeroed.
const pool = new Map<number, Float32Array[]>();
const POOL_CAP_BYTES = 2 ** 30;
let pooledBytes = 0;
let tracked: Float32Array[] | undefined;

/**
 * A zeroed float buffer of `length` values. Float32Array, except inside withFloat64, where it is
 * a Float64Array typed as Float32Array so gradient checks run every op in double precision.
 */
export function allocFloat(length: number): Float32Array {
  if (FloatArray !== Float32Array) return new (FloatArray as Float32ArrayConstructor)(length);
  const reused = pool.get(length)?.pop();
  if (reused !== undefined) pooledBytes -= reused.byteLength;
  const array = reused?.fill(0) ?? new Float32Array(length);
  tracked?.push(array);
  return array;
}

/** Makes allocFloat record its buffers into `list` (undefined stops); returns the previous list. */
export function trackAllocations(list: Float32Array[] | undefined): Float32Array[] | undefined {
  const before = tracked;
  tracked = list;
  return before;
}

/** Returns the buffers of `arrays` not in `keep` to allocFloat's pool; none may be used again. */
export function recycle(arrays: readonly Float32Array[], keep: ReadonlySet<Float32Array>): void {
  for (const array of arrays) {
    if (keep.has(array) || pooledBytes + array.byteLength > POOL_CAP_BYTES) continue;
    const list = pool.get(array.length) ?? [];
    list.push(array);
    pool.set(array.length, list);
    pooledBytes += array.byteLength;
  }
}

/** Runs `fn` with allocFloat returning float64 buffers (for finite-difference checks only). */
export function withFloat64<T>(fn: () => T): T {
  const before = FloatArray;
  FloatArray = Float64Array;
  try {
    return fn();
  } finally {
    FloatArray = before;
  }
}

/** True when `data` is a real Float32Array (fast kernels take only those). */
export function isFloat32(data: Float32Array): boolean {
  return data instanceof Float32Array;
}

/** A float tensor of `shape`, zero-filled or wrapping `data`. */
export function tensor(shape: readonly number[], data?: Float32Array): QTensor {
  const size = sizeOf(shape);
  const values = data ?? allocFloat(size);
  if (values.length !== size) {
    fail('bad-shape', `tensor of shape [${shape.join(', ')}] given ${values.length} values`);
  }
  return { shape: [...shape], data: values };
}

/** An integer tensor of `shape` holding `values`. */
export function intTensor(
  shape: readonly number[],
  values: ArrayLike<number>,
  dtype: IntTensor['dtype'] = 'int64',
): IntTensor {
  return { shape: [...shape], ints: Float64Array.from(values), dtype };
}

/** The float input `index` of `node`, failing with bad-model when it is missing or integer. */
export function floatInput(
  inputs: readonly (Value | undefined)[],
  index: number,
  node: GraphNode,
): QTensor {
  const value = inputs[index];
  if (value === undefined || isInt(value)) {
    fail('bad-model', `input ${index} of node '${nodeLabel(node)}' must be a float tensor`, {
      node: nodeLabel(node),
    });
  }
  return value;
}

/** The integer input `index` of `node` as plain numbers, or undefined when absent. */
export function intsInput(
  inputs: readonly (Value | undefined)[],
  index: number,
  node: GraphNode,
): number[] | undefined {
  const value = inputs[index];
  if (value === undefined) return undefined;
  if (!isInt(value)) {
    fail('bad-model', `input ${index} of node '${nodeLabel(node)}' must be an integer tensor`, {
      node: nodeLabel(node),
    });
  }
  return Array.from(value.ints);
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i] as number;
  }
  return strides;
}

/** A negative axis counted from the end, checked against `rank`. */
export function resolveAxis(axis: number, rank: number, node: GraphNode): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= Math.max(rank, 1)) {
    fail('bad-model', `axis ${axis} is out of range for rank ${rank} in '${nodeLabel(node)}'`, {
      node: nodeLabel(node),
    });
  }
  return resolved;
}

/** Fails with bad-shape naming the node. */
export function shapeError(node: GraphNode, message: string): never {
  return fail('bad-shape', `${nodeLabel(node)}: ${message}`, { node: nodeLabel(node) });
}

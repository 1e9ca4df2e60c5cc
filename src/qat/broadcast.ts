// Numpy-style (ONNX multidirectional) broadcasting for the executor: the output shape of two
// or more operands, an operand expanded to the output's size, and a gradient summed back down
// to an operand's shape. Not the elementwise arithmetic itself (ops-binary.ts).
import { sizeOf } from '../core/index.js';
import { allocFloat, shapeError, stridesOf, type GraphNode } from './tensor.js';

/** The broadcast shape of `shapes` (Operators.md, Broadcasting.md: multidirectional). */
export function broadcastShapes(shapes: readonly (readonly number[])[], node: GraphNode): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    const offset = rank - shape.length;
    shape.forEach((dim, i) => {
      const at = offset + i;
      const current = out[at] as number;
      if (dim === current || dim === 1) return;
      if (current === 1) out[at] = dim;
      else
        shapeError(node, `cannot broadcast [${shapes.map((s) => s.join(', ')).join('] and [')}]`);
    });
  }
  return out;
}

/** For each flat output position, the flat position of a broadcast operand of shape `from`. */
export function broadcastIndex(out: readonly number[], from: readonly number[]): Int32Array {
  const rank = out.length;
  const padded = [...new Array<number>(rank - from.length).fill(1), ...from];
  const fromStrides = stridesOf(padded).map((s, i) => ((padded[i] as number) === 1 ? 0 : s));
  const size = sizeOf(out);
  const index = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let p = 0; p < size; p++) {
    index[p] = flat;
    for (let i = rank - 1; i >= 0; i--) {
      counter[i] = (counter[i] as number) + 1;
      flat += fromStrides[i] as number;
      if ((counter[i] as number) < (out[i] as number)) break;
      flat -= (fromStrides[i] as number) * (out[i] as number);
      counter[i] = 0;
    }
  }
  return index;
}

/** True when `from` needs no expansion to `out`. */
export function sameShape(out: readonly number[], from: readonly number[]): boolean {
  return sizeOf(out) === sizeOf(from);
}

/**
 * The walk of a broadcast: output dims with runs of like axes merged (all broadcast or none)
 * and the operand's stride along each (0 where it is broadcast).
 */
function collapse(
  out: readonly number[],
  from: readonly number[],
): { dims: number[]; strides: number[] } {
  const padded = [...new Array<number>(out.length - from.length).fill(1), ...from];
  const fromStrides = stridesOf(padded);
  const dims: number[] = [];
  const strides: number[] = [];
  out.forEach((dim, i) => {
    if (dim === 1) return;
    const stride = (padded[i] as number) === 1 ? 0 : (fromStrides[i] as number);
    const last = dims.length - 1;
    // Merge with the previous axis when that one is contiguous with this one.
    if (
      last >= 0 &&
      (strides[last] as number) === stride * dim &&
      (stride !== 0 || strides[last] === 0)
    ) {
      dims[last] = (dims[last] as number) * dim;
      strides[last] = stride;
      return;
    }
    dims.push(dim);
    strides.push(stride);
  });
  return { dims, strides };
}

/** `data` (of shape `from`) expanded to shape `out`; `data` itself when nothing expands. */
export function expandTo(
  data: Float32Array,
  from: readonly number[],
  out: readonly number[],
): Float32Array {
  if (sameShape(out, from)) return data;
  const result = allocFloat(sizeOf(out));
  if (data.length === 1) return result.fill(data[0] as number);
  const { dims, strides } = collapse(out, from);
  const rank = dims.length;
  let at = 0;
  const walk = (axis: number, src: number): void => {
    const dim = dims[axis] as number;
    const stride = strides[axis] as number;
    if (axis === rank - 1) {
      if (stride === 0) result.fill(data[src] as number, at, at + dim);
      else result.set(data.subarray(src, src + dim), at);
      at += dim;
      return;
    }
    for (let i = 0; i < dim; i++) walk(axis + 1, src + i * stride);
  };
  walk(0, 0);
  return result;
}

/** `grad` (of shape `out`) summed over the axes along which shape `to` was broadcast. */
export function reduceTo(
  grad: Float32Array,
  out: readonly number[],
  to: readonly number[],
): Float32Array {
  if (sameShape(out, to)) return grad;
  const result = allocFloat(sizeOf(to));
  if (result.length === 1) {
    let sum = 0;
    for (let p = 0; p < grad.length; p++) sum += grad[p] as number;
    result[0] = sum;
    return result;
  }
  const { dims, strides } = collapse(out, to);
  const rank = dims.length;
  let at = 0;
  const walk = (axis: number, dst: number): void => {
    const dim = dims[axis] as number;
    const stride = strides[axis] as number;
    if (axis === rank - 1) {
      if (stride === 0) {
        let sum = 0;
        for (let i = 0; i < dim; i++) sum += grad[at + i] as number;
        result[dst] = (result[dst] as number) + sum;
      } else {
        for (let i = 0; i < dim; i++)
          result[dst + i] = (result[dst + i] as number) + (grad[at + i] as number);
      }
      at += dim;
      return;
    }
    for (let i = 0; i < dim; i++) walk(axis + 1, dst + i * stride);
  };
  walk(0, 0);
  return result;
}

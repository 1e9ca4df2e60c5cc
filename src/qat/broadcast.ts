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

/** `data` (of shape `from`) expanded to shape `out`; `data` itself when nothing expands. */
export function expandTo(
  data: Float32Array,
  from: readonly number[],
  out: readonly number[],
): Float32Array {
  if (sameShape(out, from)) return data;
  const size = sizeOf(out);
  const result = allocFloat(size);
  if (data.length === 1) return result.fill(data[0] as number);
  const index = broadcastIndex(out, from);
  for (let p = 0; p < size; p++) result[p] = data[index[p] as number] as number;
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
  const index = broadcastIndex(out, to);
  for (let p = 0; p < grad.length; p++) {
    const at = index[p] as number;
    result[at] = (result[at] as number) + (grad[p] as number);
  }
  return result;
}

// Concat and Split, for float and integer tensors, with gradients: Concat's gradient is its
// output gradient cut back into the inputs' slices, Split's is the outputs' gradients joined
// (zeros for an output that got none). Split sizes come from the `split` attribute (before
// opset 13), the second input (from 13), or num_outputs / equal parts. Not Slice (ops-layout.ts).
import { sizeOf } from '../core/index.js';
import { attrInt, attrInts } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import {
  allocFloat,
  intsInput,
  isInt,
  resolveAxis,
  shapeError,
  tensor,
  type QTensor,
  type Value,
} from './tensor.js';

interface Parts {
  readonly outer: number;
  readonly inner: number;
  /** Sizes along the axis, one per part. */
  readonly sizes: readonly number[];
}

/** Copies part `index` of a joined [outer, sum(sizes), inner] buffer to or from `part`. */
function copyPart(
  parts: Parts,
  index: number,
  joined: Float32Array | Float64Array,
  part: Float32Array | Float64Array,
  toJoined: boolean,
): void {
  const total = parts.sizes.reduce((a, b) => a + b, 0);
  const before = parts.sizes.slice(0, index).reduce((a, b) => a + b, 0);
  const width = (parts.sizes[index] as number) * parts.inner;
  for (let o = 0; o < parts.outer; o++) {
    const j = (o * total + before) * parts.inner;
    const p = o * width;
    if (toJoined) joined.set(part.subarray(p, p + width), j);
    else part.set(joined.subarray(j, j + width), p);
  }
}

/** Concat-13 along `axis`. */
export const concatOp: DiffOp = {
  forward(inputs, node) {
    const values = inputs.filter((v): v is Value => v !== undefined);
    const first = values[0] ?? shapeError(node, 'Concat of nothing');
    const axis = resolveAxis(attrInt(node, 'axis', 0), first.shape.length, node);
    const sizes = values.map((v) => v.shape[axis] as number);
    const parts: Parts = {
      outer: sizeOf(first.shape.slice(0, axis)),
      inner: sizeOf(first.shape.slice(axis + 1)),
      sizes,
    };
    const shape = [...first.shape];
    shape[axis] = sizes.reduce((a, b) => a + b, 0);
    if (values.every(isInt)) {
      const ints = new Float64Array(sizeOf(shape));
      values.forEach((v, i) => copyPart(parts, i, ints, v.ints, true));
      return { outputs: [{ shape, ints, dtype: values[0]?.dtype ?? 'int64' }] };
    }
    const y = allocFloat(sizeOf(shape));
    values.forEach((v, i) => {
      if (isInt(v)) shapeError(node, 'Concat mixes integer and float inputs');
      copyPart(parts, i, y, v.data, true);
    });
    return { outputs: [tensor(shape, y)], saved: { parts, shapes: values.map((v) => v.shape) } };
  },
  backward(gradOutputs, saved, node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return needs.map(() => undefined);
    const { parts, shapes } = saved as { parts: Parts; shapes: number[][] };
    let k = 0;
    return node.input.map((name, i) => {
      if (name === '') return undefined;
      const at = k++;
      if (needs[i] !== true) return undefined;
      const part = allocFloat(sizeOf(shapes[at] as number[]));
      copyPart(parts, at, g.data, part, false);
      return tensor(shapes[at] as number[], part);
    });
  },
};

/** Split-2/11/13/18 along `axis`. */
export const splitOp: DiffOp = {
  forward(inputs, node, context) {
    const x = inputs[0] ?? shapeError(node, 'Split of nothing');
    const axis = resolveAxis(attrInt(node, 'axis', 0), x.shape.length, node);
    const dim = x.shape[axis] as number;
    const count = node.output.length;
    let sizes = context.opset >= 13 ? intsInput(inputs, 1, node) : attrInts(node, 'split');
    if (sizes === undefined) {
      const each = Math.ceil(dim / count);
      sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(each, dim - i * each)));
    }
    const parts: Parts = {
      outer: sizeOf(x.shape.slice(0, axis)),
      inner: sizeOf(x.shape.slice(axis + 1)),
      sizes,
    };
    const outputs = sizes.map((size, i): Value => {
      const shape = [...x.shape];
      shape[axis] = size;
      if (isInt(x)) {
        const ints = new Float64Array(sizeOf(shape));
        copyPart(parts, i, x.ints, ints, false);
        return { shape, ints, dtype: x.dtype };
      }
      const part = allocFloat(sizeOf(shape));
      copyPart(parts, i, x.data, part, false);
      return tensor(shape, part);
    });
    return { outputs, saved: { parts, inShape: x.shape, outShapes: outputs.map((v) => v.shape) } };
  },
  backward(gradOutputs, saved, _node, needs) {
    if (needs[0] !== true) return needs.map(() => undefined);
    const { parts, inShape, outShapes } = saved as {
      parts: Parts;
      inShape: number[];
      outShapes: number[][];
    };
    const dx = allocFloat(sizeOf(inShape));
    gradOutputs.forEach((g: QTensor | undefined, i) => {
      if (g !== undefined && outShapes[i] !== undefined) copyPart(parts, i, dx, g.data, true);
    });
    return [tensor(inShape, dx), ...needs.slice(1).map(() => undefined)];
  },
};

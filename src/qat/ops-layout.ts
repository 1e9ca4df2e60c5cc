// Ops that move values without arithmetic, for float and integer tensors alike: Reshape,
// Flatten, Squeeze, Unsqueeze (same data, new shape), and Transpose, Slice, Expand, Gather
// (output element i reads input element map[i]; the gradient scatters back through the same
// map). Attribute forms before opset 10/13 and input forms after are both read. Not Concat
// and Split (ops-join.ts).
import { sizeOf } from '../core/index.js';
import { attrInt, attrInts, attrString } from '../onnx/index.js';
import { broadcastIndex, broadcastShapes } from './broadcast.js';
import type { DiffOp, OpContext } from './diff-op.js';
import {
  allocFloat,
  intsInput,
  isInt,
  resolveAxis,
  shapeError,
  stridesOf,
  tensor,
  type GraphNode,
  type Value,
} from './tensor.js';

/** `value` with a new shape of the same size. */
export function reshapeValue(value: Value, shape: readonly number[]): Value {
  return isInt(value) ? { ...value, shape: [...shape] } : tensor(shape, value.data);
}

/** out[i] = value[map[i]], as a value of `shape`. */
export function gatherValue(value: Value, shape: readonly number[], map: Int32Array): Value {
  if (isInt(value))
    return {
      shape: [...shape],
      ints: Float64Array.from(map, (at) => value.ints[at] as number),
      dtype: value.dtype,
    };
  const y = allocFloat(map.length);
  for (let i = 0; i < map.length; i++) y[i] = value.data[map[i] as number] as number;
  return tensor(shape, y);
}

type Resolve = (
  inputs: readonly (Value | undefined)[],
  node: GraphNode,
  context: OpContext,
) => number[];

/** An op whose output is its first input under a new shape. */
function reshaping(resolve: Resolve): DiffOp {
  return {
    forward(inputs, node, context) {
      const x = inputs[0] ?? shapeError(node, 'missing input');
      const shape = resolve(inputs, node, context);
      if (sizeOf(shape) !== sizeOf(x.shape))
        shapeError(node, `cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
      return { outputs: [reshapeValue(x, shape)], saved: x.shape };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      return [g === undefined || needs[0] !== true ? undefined : tensor(saved as number[], g.data)];
    },
  };
}

type MapResolve = (
  inputs: readonly (Value | undefined)[],
  node: GraphNode,
  context: OpContext,
) => { shape: number[]; map: Int32Array };

/** An op whose output element i is its first input's element map[i]. */
function mapping(resolve: MapResolve): DiffOp {
  return {
    forward(inputs, node, context) {
      const x = inputs[0] ?? shapeError(node, 'missing input');
      const { shape, map } = resolve(inputs, node, context);
      return { outputs: [gatherValue(x, shape, map)], saved: { inShape: x.shape, map } };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined || needs[0] !== true) return [undefined];
      const { inShape, map } = saved as { inShape: number[]; map: Int32Array };
      const dx = allocFloat(sizeOf(inShape));
      for (let i = 0; i < map.length; i++) {
        const at = map[i] as number;
        dx[at] = (dx[at] as number) + (g.data[i] as number);
      }
      return [tensor(inShape, dx)];
    },
  };
}

function shapeOf(inputs: readonly (Value | undefined)[], node: GraphNode): readonly number[] {
  return (inputs[0] ?? shapeError(node, 'missing input')).shape;
}

/** Axes from the attribute (before `since`) or input 1 (from `since`), made non-negative. */
function axesOf(
  inputs: readonly (Value | undefined)[],
  node: GraphNode,
  context: OpContext,
  since: number,
  rank: number,
) {
  const axes = context.opset >= since ? intsInput(inputs, 1, node) : attrInts(node, 'axes');
  return axes?.map((a) => resolveAxis(a, rank, node));
}

const reshape: Resolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const target = intsInput(inputs, 1, node) ?? shapeError(node, 'Reshape needs a shape');
  const allowZero = attrInt(node, 'allowzero', 0) !== 0;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? (from[i] as number) : d));
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  return shape.map((d) => (d === -1 ? sizeOf(from) / known : d));
};

const flatten: Resolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const axis = resolveAxis(attrInt(node, 'axis', 1), from.length + 1, node);
  return [sizeOf(from.slice(0, axis)), sizeOf(from.slice(axis))];
};

const squeeze: Resolve = (inputs, node, context) => {
  const from = shapeOf(inputs, node);
  const axes = axesOf(inputs, node, context, 13, from.length);
  return from.filter((d, i) => (axes === undefined ? d !== 1 : !axes.includes(i)));
};

const unsqueeze: Resolve = (inputs, node, context) => {
  const from = shapeOf(inputs, node);
  const axes =
    axesOf(
      inputs,
      node,
      context,
      13,
      from.length + (intsInput(inputs, 1, node)?.length ?? attrInts(node, 'axes')?.length ?? 0),
    ) ?? [];
  const shape = [...from];
  for (const axis of [...axes].sort((a, b) => a - b)) shape.splice(axis, 0, 1);
  return shape;
};

const transpose: MapResolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const perm = attrInts(node, 'perm') ?? from.map((_, i) => from.length - 1 - i);
  const shape = perm.map((p) => from[p] as number);
  const inStrides = stridesOf(from);
  const permStrides = perm.map((p) => inStrides[p] as number);
  return { shape, map: walk(shape, permStrides, 0) };
};

/** A transpose of `from` viewed as `view`, read out as `shape`: the rank-6 pixel shuffles. */
function shuffled(view: readonly number[], perm: readonly number[], shape: number[]) {
  const strides = stridesOf(view);
  const moved = perm.map((p) => view[p] as number);
  return {
    shape,
    map: walk(
      moved,
      perm.map((p) => strides[p] as number),
      0,
    ),
  };
}

/** The blocksize of a rank-4 shuffle whose input it fits (`fits`), else a shape error. */
function blockOf(node: GraphNode, from: readonly number[], fits: (b: number) => boolean): number {
  const b = attrInt(node, 'blocksize', 0);
  if (from.length !== 4 || b < 1 || !fits(b)) {
    return shapeError(node, `blocksize ${b} does not fit the input shape [${from.join(', ')}]`);
  }
  return b;
}

// DepthToSpace-13: CRD views x as [N, C, b, b, H, W] and moves it to [N, C, H, b, W, b]; DCR
// views it as [N, b, b, C, H, W].
const depthToSpace: MapResolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const [n, cb, h, w] = from as [number, number, number, number];
  const b = blockOf(node, from, (k) => cb % (k * k) === 0);
  const c = cb / (b * b);
  const shape = [n, c, h * b, w * b];
  return attrString(node, 'mode', 'DCR') === 'CRD'
    ? shuffled([n, c, b, b, h, w], [0, 1, 4, 2, 5, 3], shape)
    : shuffled([n, b, b, c, h, w], [0, 3, 4, 1, 5, 2], shape);
};

// SpaceToDepth-13: x viewed as [N, C, H/b, b, W/b, b] moves to [N, b, b, C, H/b, W/b].
const spaceToDepth: MapResolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const [n, c, h, w] = from as [number, number, number, number];
  const b = blockOf(node, from, (k) => h % k === 0 && w % k === 0);
  const view = [n, c, h / b, b, w / b, b];
  return shuffled(view, [0, 3, 5, 1, 2, 4], [n, c * b * b, h / b, w / b]);
};

/** Flat positions visited by a row-major walk over `shape` with per-axis `strides` from `start`. */
function walk(shape: readonly number[], strides: readonly number[], start: number): Int32Array {
  const size = sizeOf(shape);
  const map = new Int32Array(size);
  const counter = new Array<number>(shape.length).fill(0);
  let flat = start;
  for (let p = 0; p < size; p++) {
    map[p] = flat;
    for (let i = shape.length - 1; i >= 0; i--) {
      counter[i] = (counter[i] as number) + 1;
      flat += strides[i] as number;
      if ((counter[i] as number) < (shape[i] as number)) break;
      flat -= (strides[i] as number) * (shape[i] as number);
      counter[i] = 0;
    }
  }
  return map;
}

// Slice-1: starts, ends, axes attributes; Slice-10+: inputs starts, ends, axes, steps.
const slice: MapResolve = (inputs, node, context) => {
  const from = shapeOf(inputs, node);
  const legacy = context.opset < 10;
  const starts = (legacy ? attrInts(node, 'starts') : intsInput(inputs, 1, node)) ?? [];
  const ends = (legacy ? attrInts(node, 'ends') : intsInput(inputs, 2, node)) ?? [];
  const axes = (
    (legacy ? attrInts(node, 'axes') : intsInput(inputs, 3, node)) ?? starts.map((_, i) => i)
  ).map((a) => resolveAxis(a, from.length, node));
  const steps = (legacy ? undefined : intsInput(inputs, 4, node)) ?? starts.map(() => 1);
  const begin = from.map(() => 0);
  const step = from.map(() => 1);
  const shape = [...from];
  axes.forEach((axis, i) => {
    const dim = from[axis] as number;
    const s = steps[i] as number;
    if (s === 0 || !Number.isFinite(s)) shapeError(node, `Slice step ${s} on axis ${axis}`);
    const clamp = (v: number, lo: number, hi: number) =>
      Math.min(hi, Math.max(lo, v < 0 ? v + dim : v));
    const b = s > 0 ? clamp(starts[i] as number, 0, dim) : clamp(starts[i] as number, 0, dim - 1);
    const e = s > 0 ? clamp(ends[i] as number, 0, dim) : clamp(ends[i] as number, -1, dim - 1);
    begin[axis] = b;
    step[axis] = s;
    shape[axis] = Math.max(0, Math.ceil((e - b) / s));
  });
  const inStrides = stridesOf(from);
  const start = begin.reduce((sum, b, i) => sum + b * (inStrides[i] as number), 0);
  return {
    shape,
    map: walk(
      shape,
      inStrides.map((st, i) => st * (step[i] as number)),
      start,
    ),
  };
};

const expand: MapResolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const target = intsInput(inputs, 1, node) ?? shapeError(node, 'Expand needs a shape');
  const shape = broadcastShapes([from, target], node);
  return { shape, map: broadcastIndex(shape, from) };
};

// Gather-13: out[i.., j.., k..] = data[i.., indices[j..], k..] along `axis`.
const gather: MapResolve = (inputs, node) => {
  const from = shapeOf(inputs, node);
  const indices = inputs[1];
  if (indices === undefined || !isInt(indices))
    return shapeError(node, 'Gather needs integer indices');
  const axis = resolveAxis(attrInt(node, 'axis', 0), from.length, node);
  const dim = from[axis] as number;
  const outer = sizeOf(from.slice(0, axis));
  const inner = sizeOf(from.slice(axis + 1));
  const count = indices.ints.length;
  const map = new Int32Array(outer * count * inner);
  for (let o = 0, p = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      let index = indices.ints[j] as number;
      if (index < 0) index += dim;
      if (index < 0 || index >= dim)
        shapeError(node, `index ${indices.ints[j]} out of range for axis size ${dim}`);
      const base = (o * dim + index) * inner;
      for (let k = 0; k < inner; k++) map[p++] = base + k;
    }
  }
  return { shape: [...from.slice(0, axis), ...indices.shape, ...from.slice(axis + 1)], map };
};

/** The layout ops, by ONNX op type. */
export const LAYOUT_OPS: readonly (readonly [string, DiffOp])[] = [
  ['Reshape', reshaping(reshape)],
  ['Flatten', reshaping(flatten)],
  ['Squeeze', reshaping(squeeze)],
  ['Unsqueeze', reshaping(unsqueeze)],
  ['Transpose', mapping(transpose)],
  ['DepthToSpace', mapping(depthToSpace)],
  ['SpaceToDepth', mapping(spaceToDepth)],
  ['Slice', mapping(slice)],
  ['Expand', mapping(expand)],
  ['Gather', mapping(gather)],
];

// Shape-derived values and masks: Shape (start/end from opset 15), Size, Constant,
// ConstantOfShape, Range, Cast, the comparisons Equal/Less/Greater and Not (no gradient), and
// Where (gradient to X where the condition holds, to Y elsewhere). All evaluated on concrete
// shapes at run time, or once at compile time when their inputs are constant. Not arithmetic.
import { sizeOf } from '../core/index.js';
import { attrInt, dtypeFromOnnx, getAttribute, nodeLabel } from '../onnx/index.js';
import { constantNodeTensor } from '../onnx/graph-constant.js';
import { broadcastIndex, broadcastShapes, reduceTo } from './broadcast.js';
import { forwardOnly, type DiffOp } from './diff-op.js';
import { valueFromProto } from './value-proto.js';
import {
  allocFloat,
  intTensor,
  isInt,
  shapeError,
  tensor,
  type QTensor,
  type Value,
} from './tensor.js';

/** A value's elements as float64, whatever its kind. */
function numbers(value: Value): Float64Array | Float32Array {
  return isInt(value) ? value.ints : value.data;
}

/** A value's elements broadcast to `shape`, as float64. */
function expanded(value: Value, shape: readonly number[]): Float64Array {
  const source = numbers(value);
  if (source.length === sizeOf(shape)) return Float64Array.from(source);
  const index = broadcastIndex(shape, value.shape);
  return Float64Array.from(index, (at) => source[at] as number);
}

/** float64 values as a float buffer of allocFloat's precision. */
function floats(values: Float64Array): Float32Array {
  const out = allocFloat(values.length);
  out.set(values);
  return out;
}

const shapeOp = forwardOnly((inputs, node) => {
  const x = inputs[0] ?? shapeError(node, 'Shape of nothing');
  const rank = x.shape.length;
  const clamp = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  const dims = x.shape.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', rank)));
  return [intTensor([dims.length], dims)];
});

const sizeOp = forwardOnly((inputs, node) => [
  intTensor([], [sizeOf((inputs[0] ?? shapeError(node, 'Size of nothing')).shape)]),
]);

const constantOp = forwardOnly((_inputs, node) => {
  const proto = constantNodeTensor(node, node.output[0] ?? '');
  if (proto === undefined) shapeError(node, 'unsupported Constant form');
  return [valueFromProto(proto)];
});

// ConstantOfShape-9: a tensor of the given shape filled with `value` (default float 0).
const constantOfShapeOp = forwardOnly((inputs, node) => {
  const shape = inputs[0] !== undefined && isInt(inputs[0]) ? Array.from(inputs[0].ints) : [];
  const t = getAttribute(node, 'value')?.t;
  const fill = t === undefined ? tensor([1]) : valueFromProto(t);
  const v = numbers(fill)[0] ?? 0;
  if (isInt(fill))
    return [{ shape, ints: new Float64Array(sizeOf(shape)).fill(v), dtype: fill.dtype }];
  return [tensor(shape, allocFloat(sizeOf(shape)).fill(v))];
});

const rangeOp = forwardOnly((inputs) => {
  const [start, limit, delta] = inputs.map((v) =>
    v === undefined ? 0 : (numbers(v)[0] as number),
  );
  const count = Math.max(0, Math.ceil(((limit as number) - (start as number)) / (delta as number)));
  const values = Array.from({ length: count }, (_, i) => (start as number) + i * (delta as number));
  const first = inputs[0];
  return [
    first !== undefined && isInt(first)
      ? intTensor([count], values, first.dtype)
      : tensor([count], floats(Float64Array.from(values))),
  ];
});

const FLOATS = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/** Cast-13: to a float type keeps gradients (float16 rounding is not modelled); to ints truncates. */
const castOp: DiffOp = {
  forward(inputs, node) {
    const x = inputs[0] ?? shapeError(node, 'Cast of nothing');
    const to = dtypeFromOnnx(attrInt(node, 'to', 1)) ?? shapeError(node, 'Cast to an unknown type');
    if (FLOATS.has(to)) {
      if (!isInt(x)) return { outputs: [x] };
      const y = allocFloat(x.ints.length);
      y.set(x.ints);
      return { outputs: [tensor(x.shape, y)] };
    }
    const source = numbers(x);
    const ints = new Float64Array(source.length);
    for (let i = 0; i < ints.length; i++) {
      const v = source[i] as number;
      ints[i] = to === 'bool' ? (v !== 0 ? 1 : 0) : Math.trunc(v);
    }
    return { outputs: [{ shape: x.shape, ints, dtype: to }] };
  },
  backward: (gradOutputs, _saved, _node, needs) => [needs[0] === true ? gradOutputs[0] : undefined],
};

function compare(test: (a: number, b: number) => boolean) {
  return forwardOnly((inputs, node) => {
    const [a, b] = [inputs[0], inputs[1]].map((v) => v ?? shapeError(node, 'missing input')) as [
      Value,
      Value,
    ];
    const shape = broadcastShapes([a.shape, b.shape], node);
    const x = expanded(a, shape);
    const z = expanded(b, shape);
    return [
      {
        shape,
        ints: Float64Array.from(x, (v, i) => (test(v, z[i] as number) ? 1 : 0)),
        dtype: 'bool',
      },
    ];
  });
}

const notOp = forwardOnly((inputs, node) => {
  const x = inputs[0] ?? shapeError(node, 'Not of nothing');
  return [
    {
      shape: x.shape,
      ints: Float64Array.from(numbers(x), (v) => (v === 0 ? 1 : 0)),
      dtype: 'bool',
    },
  ];
});

interface WhereSaved {
  readonly cond: Float64Array;
  readonly shape: readonly number[];
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
}

/** Where-16: out = cond ? X : Y, broadcasting all three. */
const whereOp: DiffOp = {
  forward(inputs, node) {
    const [c, x, y] = [0, 1, 2].map(
      (i) => inputs[i] ?? shapeError(node, `Where input ${i} missing`),
    ) as [Value, Value, Value];
    const shape = broadcastShapes([c.shape, x.shape, y.shape], node);
    const cond = expanded(c, shape);
    const xs = expanded(x, shape);
    const ys = expanded(y, shape);
    const out = Float64Array.from(cond, (v, i) =>
      v !== 0 ? (xs[i] as number) : (ys[i] as number),
    );
    if (isInt(x) && isInt(y)) return { outputs: [{ shape, ints: out, dtype: x.dtype }] };
    if (isInt(x) || isInt(y))
      shapeError(node, `Where mixes integer and float values (${nodeLabel(node)})`);
    const saved: WhereSaved = { cond, shape, xShape: x.shape, yShape: y.shape };
    return { outputs: [tensor(shape, floats(out))], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [undefined, undefined, undefined];
    const { cond, shape, xShape, yShape } = saved as WhereSaved;
    const part = (keep: boolean, to: readonly number[]): QTensor => {
      const d = allocFloat(g.data.length);
      for (let i = 0; i < d.length; i++)
        d[i] = ((cond[i] as number) !== 0) === keep ? (g.data[i] as number) : 0;
      return tensor(to, reduceTo(d, shape, to));
    };
    return [
      undefined,
      needs[1] === true ? part(true, xShape) : undefined,
      needs[2] === true ? part(false, yShape) : undefined,
    ];
  },
};

/** The shape, constant, cast, comparison and selection ops, by ONNX op type. */
export const CONST_OPS: readonly (readonly [string, DiffOp])[] = [
  ['Shape', shapeOp],
  ['Size', sizeOp],
  ['Constant', constantOp],
  ['ConstantOfShape', constantOfShapeOp],
  ['Range', rangeOp],
  ['Cast', castOp],
  ['Equal', compare((a, b) => a === b)],
  ['Less', compare((a, b) => a < b)],
  ['Greater', compare((a, b) => a > b)],
  ['Not', notOp],
  ['Where', whereOp],
];

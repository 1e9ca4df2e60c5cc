// Every differentiable op's backward against central finite differences in float64, on small
// pseudo-random tensors, through the generic checker; one test per case, counted at the end.
import { describe, expect, it } from 'vitest';
import { attr, makeNode, type NodeInit } from '../onnx/index.js';
import type { AttributeProto } from '../onnx/gen/onnx_pb.js';
import { checkGradients, randomTensor } from './grad-check.js';
import { DIFF_OPS } from './op-registry.js';
import { intTensor, tensor, type Value } from './tensor.js';

interface Case {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly (Value | undefined)[];
  readonly attributes?: readonly AttributeProto[];
  readonly opset?: number;
  readonly wrt?: readonly number[];
  readonly outputs?: number;
}

const r = (shape: number[], seed: number, scale = 1, offset = 0) =>
  randomTensor(shape, seed, scale, offset);
const positive = (shape: number[], seed: number) => randomTensor(shape, seed, 0.4, 1);
const ints = (shape: number[], values: number[]) => intTensor(shape, values);

const CASES: Case[] = [
  { name: 'Add broadcasts [2,3,4] + [3,1]', op: 'Add', inputs: [r([2, 3, 4], 1), r([3, 1], 2)] },
  { name: 'Sub of a scalar', op: 'Sub', inputs: [r([1], 3), r([2, 3], 4)] },
  { name: 'Mul per channel', op: 'Mul', inputs: [r([2, 3, 2, 2], 5), r([1, 3, 1, 1], 6)] },
  { name: 'Div broadcasts both ways', op: 'Div', inputs: [r([3, 1], 7), positive([1, 4], 8)] },
  {
    name: 'Pow of a positive base',
    op: 'Pow',
    inputs: [positive([2, 3], 9), r([2, 3], 10, 0.5, 1.5)],
  },
  {
    name: 'Pow squared (constant exponent)',
    op: 'Pow',
    inputs: [r([2, 5], 11), r([1], 0, 0, 2)],
    wrt: [0],
  },
  { name: 'Relu', op: 'Relu', inputs: [r([3, 5], 12)] },
  { name: 'Sigmoid', op: 'Sigmoid', inputs: [r([3, 5], 13, 3)] },
  { name: 'Tanh', op: 'Tanh', inputs: [r([3, 5], 14, 2)] },
  {
    name: 'HardSigmoid (1/6, 1/2)',
    op: 'HardSigmoid',
    inputs: [r([4, 5], 15, 5)],
    attributes: [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)],
  },
  { name: 'HardSwish', op: 'HardSwish', inputs: [r([4, 5], 16, 5)] },
  {
    name: 'Clip by attributes (opset 9)',
    op: 'Clip',
    inputs: [r([4, 5], 17, 8, 3)],
    attributes: [attr.float('min', 0), attr.float('max', 6)],
    opset: 9,
  },
  {
    name: 'Clip by inputs (opset 13)',
    op: 'Clip',
    inputs: [r([4, 5], 18, 2), r([1], 0, 0, -1), r([1], 0, 0, 1)],
    opset: 13,
    wrt: [0],
  },
  { name: 'Sqrt', op: 'Sqrt', inputs: [positive([3, 4], 19)] },
  { name: 'Exp', op: 'Exp', inputs: [r([3, 4], 20)] },
  { name: 'Log', op: 'Log', inputs: [positive([3, 4], 21)] },
  { name: 'Erf', op: 'Erf', inputs: [r([3, 4], 22, 2)] },
  { name: 'Neg', op: 'Neg', inputs: [r([3, 4], 23)] },
  { name: 'MatMul [2,3,4] @ [4,5]', op: 'MatMul', inputs: [r([2, 3, 4], 24), r([4, 5], 25)] },
  {
    name: 'MatMul batched with broadcast [2,1,3,4] @ [3,4,2]',
    op: 'MatMul',
    inputs: [r([2, 1, 3, 4], 26), r([3, 4, 2], 27)],
  },
  { name: 'MatMul of a vector', op: 'MatMul', inputs: [r([4], 28), r([2, 4, 3], 29)] },
  {
    name: 'Gemm',
    op: 'Gemm',
    inputs: [r([3, 4], 30), r([4, 5], 31), r([5], 32)],
    attributes: [attr.float('alpha', 0.7), attr.float('beta', 1.3)],
  },
  {
    name: 'Gemm transA transB',
    op: 'Gemm',
    inputs: [r([4, 3], 33), r([5, 4], 34), r([3, 1], 35)],
    attributes: [attr.int('transA', 1), attr.int('transB', 1)],
  },
  {
    name: 'Conv 3x3 pads 1',
    op: 'Conv',
    inputs: [r([2, 3, 5, 6], 36), r([4, 3, 3, 3], 37), r([4], 38)],
    attributes: [attr.ints('pads', [1, 1, 1, 1])],
  },
  {
    name: 'Conv strides 2 dilations 2 asymmetric pads',
    op: 'Conv',
    inputs: [r([1, 2, 7, 8], 39), r([3, 2, 3, 2], 40)],
    attributes: [
      attr.ints('strides', [2, 1]),
      attr.ints('dilations', [2, 2]),
      attr.ints('pads', [1, 0, 2, 1]),
    ],
  },
  {
    name: 'Conv depthwise 5x5',
    op: 'Conv',
    inputs: [r([2, 3, 6, 7], 41), r([3, 1, 5, 5], 42), r([3], 43)],
    attributes: [attr.int('group', 3), attr.ints('pads', [2, 2, 2, 2])],
  },
  {
    name: 'Conv grouped (2 groups, 2 out per group)',
    op: 'Conv',
    inputs: [r([1, 4, 5, 5], 44), r([4, 2, 3, 3], 45)],
    attributes: [attr.int('group', 2)],
  },
  {
    name: 'Conv pointwise',
    op: 'Conv',
    inputs: [r([2, 4, 3, 3], 46), r([5, 4, 1, 1], 47), r([5], 48)],
  },
  {
    name: 'Conv 1-D SAME_UPPER',
    op: 'Conv',
    inputs: [r([1, 2, 7], 49), r([3, 2, 4], 50)],
    attributes: [attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2])],
  },
  {
    name: 'BatchNormalization (all five inputs)',
    op: 'BatchNormalization',
    inputs: [r([2, 3, 2, 2], 51), r([3], 52), r([3], 53), r([3], 54), positive([3], 55)],
    attributes: [attr.float('epsilon', 1e-5)],
  },
  {
    name: 'LayerNormalization last axis',
    op: 'LayerNormalization',
    inputs: [r([2, 3, 5], 56), r([5], 57), r([5], 58)],
  },
  {
    name: 'LayerNormalization over two axes',
    op: 'LayerNormalization',
    inputs: [r([2, 3, 4], 59), r([3, 4], 60), r([3, 4], 61)],
    attributes: [attr.int('axis', 1)],
  },
  {
    name: 'Softmax opset 13 middle axis',
    op: 'Softmax',
    inputs: [r([2, 4, 3], 62, 2)],
    attributes: [attr.int('axis', 1)],
  },
  {
    name: 'Softmax opset 9 coerced 2-D',
    op: 'Softmax',
    inputs: [r([2, 3, 4], 63, 2)],
    attributes: [attr.int('axis', 1)],
    opset: 9,
  },
  {
    name: 'ReduceMean keepdims',
    op: 'ReduceMean',
    inputs: [r([2, 3, 4], 64)],
    attributes: [attr.ints('axes', [-1])],
    opset: 13,
  },
  {
    name: 'ReduceMean two axes, no keepdims',
    op: 'ReduceMean',
    inputs: [r([2, 3, 4], 65)],
    attributes: [attr.ints('axes', [0, 2]), attr.int('keepdims', 0)],
    opset: 13,
  },
  {
    name: 'ReduceSum axes input',
    op: 'ReduceSum',
    inputs: [r([2, 3, 4], 66), ints([1], [1])],
    opset: 13,
  },
  {
    name: 'AveragePool 3x2 stride (3,2)',
    op: 'AveragePool',
    inputs: [r([1, 2, 6, 4], 67)],
    attributes: [attr.ints('kernel_shape', [3, 2]), attr.ints('strides', [3, 2])],
  },
  {
    name: 'AveragePool padded, count_include_pad, ceil_mode',
    op: 'AveragePool',
    inputs: [r([1, 2, 5, 5], 68)],
    attributes: [
      attr.ints('kernel_shape', [2, 2]),
      attr.ints('strides', [2, 2]),
      attr.ints('pads', [1, 1, 0, 0]),
      attr.int('count_include_pad', 1),
      attr.int('ceil_mode', 1),
    ],
  },
  {
    name: 'MaxPool 2x2',
    op: 'MaxPool',
    inputs: [r([2, 2, 4, 6], 69)],
    attributes: [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
  },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', inputs: [r([2, 3, 4, 5], 70)] },
  {
    name: 'Reshape with 0 and -1',
    op: 'Reshape',
    inputs: [r([2, 3, 4], 71), ints([3], [0, -1, 2])],
  },
  {
    name: 'Flatten axis 2',
    op: 'Flatten',
    inputs: [r([2, 3, 4], 72)],
    attributes: [attr.int('axis', 2)],
  },
  {
    name: 'Squeeze (attribute axes)',
    op: 'Squeeze',
    inputs: [r([2, 1, 3], 73)],
    attributes: [attr.ints('axes', [1])],
    opset: 11,
  },
  {
    name: 'Unsqueeze (input axes)',
    op: 'Unsqueeze',
    inputs: [r([2, 3], 74), ints([2], [0, 3])],
    opset: 13,
  },
  {
    name: 'Transpose [2,0,3,1,4]',
    op: 'Transpose',
    inputs: [r([3, 2, 2, 3, 2], 75)],
    attributes: [attr.ints('perm', [2, 0, 3, 1, 4])],
  },
  {
    name: 'Slice (attributes, opset 9)',
    op: 'Slice',
    inputs: [r([4, 5], 76)],
    attributes: [attr.ints('axes', [0]), attr.ints('starts', [1]), attr.ints('ends', [3])],
    opset: 9,
  },
  {
    name: 'Slice with negative step and clamped end',
    op: 'Slice',
    inputs: [
      r([4, 6], 77),
      ints([2], [-1, 1]),
      ints([2], [-100, 100]),
      ints([2], [0, 1]),
      ints([2], [-1, 2]),
    ],
    opset: 13,
  },
  { name: 'Expand', op: 'Expand', inputs: [r([3, 1], 78), ints([3], [2, 3, 4])] },
  {
    name: 'Gather rows (embedding)',
    op: 'Gather',
    inputs: [r([5, 3], 79), ints([2, 2], [4, 0, 4, -1])],
  },
  {
    name: 'Gather axis 1',
    op: 'Gather',
    inputs: [r([2, 4, 3], 80), ints([2], [3, 1])],
    attributes: [attr.int('axis', 1)],
  },
  {
    name: 'Concat three on axis 1',
    op: 'Concat',
    inputs: [r([2, 1, 3], 81), r([2, 2, 3], 82), r([2, 3, 3], 83)],
    attributes: [attr.int('axis', 1)],
  },
  {
    name: 'Split by attribute (opset 11)',
    op: 'Split',
    inputs: [r([2, 5], 84)],
    attributes: [attr.int('axis', 1), attr.ints('split', [2, 3])],
    opset: 11,
    outputs: 2,
  },
  { name: 'Split equal parts (opset 13)', op: 'Split', inputs: [r([6, 2], 85)], outputs: 3 },
  {
    name: 'Where with broadcast mask',
    op: 'Where',
    inputs: [intTensor([1, 3], [1, 0, 1], 'bool'), r([2, 3], 86), r([2, 1], 87)],
    wrt: [1, 2],
  },
  { name: 'Cast to float', op: 'Cast', inputs: [r([2, 3], 88)], attributes: [attr.int('to', 1)] },
  { name: 'Identity', op: 'Identity', inputs: [r([2, 3], 89)] },
  {
    name: 'ConvTranspose 2x2 stride 2 (PP-OCR detector)',
    op: 'ConvTranspose',
    inputs: [r([1, 3, 3, 4], 90), r([3, 2, 2, 2], 91), r([2], 92)],
    attributes: [attr.ints('strides', [2, 2])],
  },
  {
    name: 'ConvTranspose grouped, padded, output_padding',
    op: 'ConvTranspose',
    inputs: [r([1, 4, 3, 3], 93), r([4, 1, 3, 3], 94)],
    attributes: [
      attr.ints('strides', [2, 2]),
      attr.ints('pads', [1, 1, 1, 0]),
      attr.ints('output_padding', [1, 0]),
      attr.int('group', 2),
    ],
  },
  {
    name: 'Resize nearest asymmetric floor x2 (scales input)',
    op: 'Resize',
    inputs: [r([1, 2, 3, 4], 95), undefined, tensor([4], Float32Array.of(1, 1, 2, 2))],
    attributes: [
      attr.string('mode', 'nearest'),
      attr.string('coordinate_transformation_mode', 'asymmetric'),
      attr.string('nearest_mode', 'floor'),
    ],
    opset: 11,
    wrt: [0],
  },
  {
    name: 'Resize linear half_pixel to sizes',
    op: 'Resize',
    inputs: [r([1, 2, 3, 4], 96), undefined, undefined, ints([4], [1, 2, 5, 7])],
    attributes: [attr.string('mode', 'linear')],
    opset: 13,
  },
];

let total = 0;

describe('every op backward matches central differences (float64)', () => {
  it.each(CASES)('$name', (c) => {
    const op = DIFF_OPS.get(c.op);
    expect(op, c.op).toBeDefined();
    if (op === undefined) return;
    const init: NodeInit = {
      opType: c.op,
      name: c.name,
      inputs: c.inputs.map((_, i) => `x${i}`),
      outputs: Array.from({ length: c.outputs ?? 1 }, (_, i) => `y${i}`),
      attributes: c.attributes ?? [],
    };
    const report = checkGradients(op, {
      node: makeNode(init),
      inputs: c.inputs,
      ...(c.opset === undefined ? {} : { opset: c.opset }),
      ...(c.wrt === undefined ? {} : { wrt: c.wrt }),
    });
    expect(report.checks).toBeGreaterThan(0);
    expect(report.worst, report.where).toBeLessThanOrEqual(1);
    total += report.checks;
  });

  it('counted the derivatives it compared', () => {
    expect(total).toBeGreaterThan(1000);
    console.log(
      `qat gradient checks: ${CASES.length} op cases, ${total} derivatives vs finite differences`,
    );
  });
});

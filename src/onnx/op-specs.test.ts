import { describe, expect, it } from 'vitest';
import { TensorProto_DataType as T } from './gen/onnx_pb.js';
import { attr, makeNode } from './graph-node.js';
import { OP_SPECS, activationInputs, opSpec } from './op-specs.js';

const node = (opType: string, inputs: string[], attributes = [attr.int('unused', 0)]) =>
  makeNode({ opType, inputs, outputs: ['y'], attributes });

const spec = (opType: string) => OP_SPECS.get(opType)!;

describe('OP_SPECS', () => {
  it('gives per-channel weight axes: Conv 0, ConvTranspose 1, Gemm by transB, MatMul last of 2-D', () => {
    const conv = node('Conv', ['x', 'w']);
    expect(spec('Conv').weight?.axis(conv, 4)).toBe(0);
    expect(spec('ConvTranspose').weight?.axis(node('ConvTranspose', ['x', 'w']), 4)).toBe(1);
    const gemm = spec('Gemm').weight!;
    expect(gemm.axis(node('Gemm', ['a', 'b']), 2)).toBe(1);
    expect(gemm.axis(node('Gemm', ['a', 'b'], [attr.int('transB', 1)]), 2)).toBe(0);
    const matmul = spec('MatMul').weight!;
    expect([
      matmul.axis(node('MatMul', ['a', 'b']), 2),
      matmul.axis(node('MatMul', ['a', 'b']), 3),
    ]).toEqual([1, undefined]);
    expect(matmul.variableIsActivation).toBe(true);
  });

  it('names the bias of Conv and Gemm as input 2, scaled by inputs 0 and 1', () => {
    for (const op of ['Conv', 'Gemm'])
      expect(spec(op).bias).toEqual({ input: 2, activation: 0, weight: 1 });
  });

  it('marks the ops onnxruntime fuses, drops, runs on integers unfused, or has no kernel for', () => {
    expect(spec('Conv').kernel).toBe('QLinearConv');
    expect(spec('Add').kernel).toBe('com.microsoft.QLinearAdd');
    expect(spec('Reshape')).toMatchObject({ kernel: 'drop', preservesScale: true });
    expect(spec('DepthToSpace')).toMatchObject({ kernel: 'moved', preservesScale: true });
    for (const op of ['LSTM', 'Div', 'HardSigmoid', 'ConvTranspose', 'ReduceMean', 'Pad']) {
      expect(spec(op).kernel).toBeUndefined();
    }
  });

  it('fixes the output range of Sigmoid, Softmax and HardSigmoid to [0, 1]', () => {
    for (const op of ['Sigmoid', 'Softmax', 'HardSigmoid'])
      expect(spec(op).outputRange).toEqual([0, 1]);
  });

  it('reads Relu as [0, inf) and Clip bounds from constant inputs, missing ones unbounded', () => {
    const values = new Map([
      ['lo', 0],
      ['hi', 6],
    ]);
    const value = (name: string) => values.get(name);
    const rank = () => 4;
    expect(spec('Relu').clampBounds!(node('Relu', ['x']), value, rank)).toEqual([0, Infinity]);
    expect(spec('Clip').clampBounds!(node('Clip', ['x', 'lo', 'hi']), value, rank)).toEqual([0, 6]);
    expect(spec('Clip').clampBounds!(node('Clip', ['x', '', 'hi']), value, rank)).toEqual([
      -Infinity,
      6,
    ]);
    expect(
      spec('Clip').clampBounds!(node('Clip', ['x', 'lo', 'dynamic']), value, rank),
    ).toBeUndefined();
  });

  it('reads Max/Min by a constant as a clamp, unless the constant would raise the rank', () => {
    const values = new Map([['c', -0.4]]);
    const value = (name: string) => values.get(name);
    const ranks = new Map<string, number>([
      ['x', 4],
      ['c', 4],
      ['v', 1],
    ]);
    const rank = (name: string) => ranks.get(name);
    const max = spec('Max').clampBounds!;
    expect(max(node('Max', ['x', 'c']), value, rank)).toEqual([-0.4, Infinity]);
    expect(spec('Min').clampBounds!(node('Min', ['x', 'c']), value, rank)).toEqual([
      -Infinity,
      -0.4,
    ]);
    expect(max(node('Max', ['v', 'c']), value, rank)).toBeUndefined();
    expect(max(node('Max', ['u', 'c']), value, rank)).toBeUndefined();
    expect(max(node('Max', ['x', 'y']), value, rank)).toBeUndefined();
    expect(max(node('Max', ['x', 'c', 'y']), value, rank)).toBeUndefined();
  });

  it('reads Mul and Div by a positive scalar as a scale factor, and nothing else', () => {
    const values = new Map([
      ['six', 6],
      ['minus', -2],
    ]);
    const value = (name: string) => values.get(name);
    const mul = spec('Mul').scaleFactor!;
    const div = spec('Div').scaleFactor!;
    expect(mul(node('Mul', ['six', 'x']), value)).toEqual({ input: 1, factor: 6 });
    expect(div(node('Div', ['x', 'six']), value)).toEqual({ input: 0, factor: 1 / 6 });
    expect(mul(node('Mul', ['x', 'minus']), value)).toBeUndefined();
    expect(div(node('Div', ['six', 'x']), value)).toBeUndefined();
    expect(mul(node('Mul', ['x', 'y']), value)).toBeUndefined();
  });

  it('types shape and cast outputs so int64 shape arithmetic is never quantized', () => {
    expect(spec('Shape').outputType!(node('Shape', ['x']), [T.FLOAT], 0)).toBe(T.INT64);
    const cast = node('Cast', ['x'], [attr.int('to', T.INT64)]);
    expect(spec('Cast').outputType!(cast, [T.FLOAT], 0)).toBe(T.INT64);
    expect(spec('Where').outputType!(node('Where', ['c', 'a', 'b']), [T.BOOL, T.FLOAT], 0)).toBe(
      T.FLOAT,
    );
  });

  it('applies to the default domain only, and lists variadic activations per input', () => {
    expect(
      opSpec(makeNode({ opType: 'Conv', inputs: [], outputs: [], domain: 'custom' })),
    ).toBeUndefined();
    expect(opSpec(node('Conv', ['x', 'w']))).toBe(spec('Conv'));
    expect(activationInputs(node('Concat', ['a', '', 'c']), spec('Concat'))).toEqual([0, 2]);
  });
});

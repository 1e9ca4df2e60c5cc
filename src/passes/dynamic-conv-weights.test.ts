import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr, attrInt } from '../onnx/graph-node.js';
import { buildGraph, type Graph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { CONV_WEIGHT_FORMS, quantizeConvWeights } from './dynamic-conv-weights.js';

// w [3, 2, 1, 1]: output channel m holds (m + 1) x [1, -0.5].
const W = Float32Array.of(1, -0.5, 2, -1, 3, -1.5);

function convModel(weight: 'initializer' | 'constant' = 'initializer') {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 2, 4, 4]);
  if (weight === 'initializer') b.initializer('w', 'float32', [3, 2, 1, 1], W);
  else b.constant('w', 'float32', [3, 2, 1, 1], W);
  b.initializer('bias', 'float32', [3], [0.5, -1, 2]);
  b.output(b.op('Conv', [x, 'w', 'bias']));
  return buildGraph(b.model());
}

const values = (graph: Graph, name: string) =>
  Array.from(graph.constantValue(name)!.data as ArrayLike<number>);

describe('quantizeConvWeights', () => {
  it('dequantize: int8 codes with one scale per output channel (max |w| / 127), axis 0, zero point 0', () => {
    const graph = convModel();
    const { done, skipped } = quantizeConvWeights(graph, 'dequantize');
    verifyGraph(graph);
    expect(skipped).toEqual([]);
    expect(done).toEqual([
      { node: 'Conv_0', opType: 'Conv', form: CONV_WEIGHT_FORMS.dequantize, weight: 'w' },
    ]);
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!;
    const dq = graph.producer(conv.input[1]!)!;
    expect(dq.opType).toBe('DequantizeLinear');
    expect(attrInt(dq, 'axis', -1)).toBe(0);
    const [codes = '', scale = '', zeroPoint = ''] = dq.input;
    expect(graph.constantValue(codes)!.dtype).toBe('int8');
    expect(values(graph, codes)).toEqual([127, -64, 127, -64, 127, -64]);
    expect(values(graph, scale)).toEqual([1, 2, 3].map((m) => Math.fround(m / 127)));
    expect(values(graph, zeroPoint)).toEqual([0, 0, 0]);
    expect(conv.input[2]).toBe('bias');
    expect(graph.constantValue('bias')!.dtype).toBe('float32');
    expect(graph.initializer('w')).toBeUndefined();
  });

  it('cast-mul: the same codes and scales, the scale shaped [M, 1, 1, 1] to broadcast over w', () => {
    const graph = convModel('constant');
    const { done } = quantizeConvWeights(graph, 'cast-mul');
    verifyGraph(graph);
    expect(done.map((d) => d.form)).toEqual([CONV_WEIGHT_FORMS['cast-mul']]);
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!;
    const mul = graph.producer(conv.input[1]!)!;
    expect(mul.opType).toBe('Mul');
    const cast = graph.producer(mul.input[0]!)!;
    expect(cast.opType).toBe('Cast');
    expect(values(graph, cast.input[0]!)).toEqual([127, -64, 127, -64, 127, -64]);
    const scale = graph.constantValue(mul.input[1]!)!;
    expect(scale.shape).toEqual([3, 1, 1, 1]);
    expect(values(graph, mul.input[1]!)).toEqual([1, 2, 3].map((m) => Math.fround(m / 127)));
    expect(graph.nodes.some((n) => n.opType === 'Constant')).toBe(false);
  });

  it('a depthwise Conv (group = channels) gets one scale per channel and keeps its group', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4, 5, 5]);
    const w = Float32Array.from({ length: 36 }, (_, i) => (Math.floor(i / 9) + 1) * ((i % 9) - 4));
    b.initializer('dw', 'float32', [4, 1, 3, 3], w);
    b.output(b.op('Conv', [x, 'dw'], [attr.int('group', 4), attr.ints('pads', [1, 1, 1, 1])]));
    const graph = buildGraph(b.model());
    quantizeConvWeights(graph, 'dequantize');
    verifyGraph(graph);
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(attrInt(conv, 'group', 1)).toBe(4);
    const dq = graph.producer(conv.input[1]!)!;
    expect(graph.constantValue(dq.input[0]!)!.shape).toEqual([4, 1, 3, 3]);
    expect(values(graph, dq.input[1]!)).toEqual(
      [1, 2, 3, 4].map((c) => Math.fround((4 * c) / 127)),
    );
  });

  it('a weight read by two Convs is stored once', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    b.initializer('w', 'float32', [3, 2, 1, 1], W);
    b.output(b.op('Conv', [x, 'w']));
    b.output(b.op('Conv', [b.op('Relu', [x]), 'w']));
    const graph = buildGraph(b.model());
    const { done } = quantizeConvWeights(graph, 'cast-mul');
    verifyGraph(graph);
    expect(done).toHaveLength(2);
    const convs = graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs[0]!.input[1]).toBe(convs[1]!.input[1]);
    expect(graph.nodes.filter((n) => n.opType === 'Cast')).toHaveLength(1);
  });

  it('a Conv whose weight or bias is computed at run time, or not of rank >= 3, stays float, with the reason', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const w = b.input('w_in', 'float32', [3, 2, 1, 1]);
    b.initializer('w', 'float32', [3, 2, 1, 1], W);
    b.output(b.op('Conv', [x, w]));
    b.output(b.op('Conv', [x, 'w', b.input('bias_in', 'float32', [3])]));
    b.output(b.op('Conv', [x, b.op('Relu', ['w'])]));
    b.initializer('w2d', 'float32', [3, 2], W);
    b.output(b.op('Conv', [x, 'w2d']));
    const graph = buildGraph(b.model());
    const { done, skipped } = quantizeConvWeights(graph, 'dequantize');
    verifyGraph(graph);
    expect(done).toEqual([]);
    expect(skipped).toEqual([
      { node: 'Conv_0', opType: 'Conv', reason: 'weight is not a constant' },
      { node: 'Conv_1', opType: 'Conv', reason: 'bias is not a constant' },
      { node: 'Conv_3', opType: 'Conv', reason: 'weight is not a constant' },
      { node: 'Conv_4', opType: 'Conv', reason: "weight has rank 2; Conv's is [M, C/group, k...]" },
    ]);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'Conv', 'Relu', 'Conv', 'Conv']);
    expect(graph.constantValue('w')!.dtype).toBe('float32');
  });
});

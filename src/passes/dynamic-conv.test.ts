import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr, attrInts } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { dynamicConv } from './dynamic-conv.js';

describe('dynamicConv', () => {
  it('Conv -> ConvInteger (uint8 x uint8, weight zero point 128) -> Cast -> Mul -> Add bias', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 5, 5]);
    b.constant(
      'w',
      'float32',
      [3, 2, 3, 3],
      Float32Array.from({ length: 54 }, (_, i) => i % 7),
    );
    b.initializer('bias', 'float32', [3], [0.5, -1, 2]);
    b.output(b.op('Conv', [x, 'w', 'bias'], [attr.ints('pads', [1, 1, 1, 1])]));
    b.output(b.op('Conv', [x, b.input('dynamic_w', 'float32', [3, 2, 1, 1])]));
    const graph = buildGraph(b.model());
    const { done, skipped } = dynamicConv(graph, new Map());
    verifyGraph(graph);
    expect(done.map((d) => d.form)).toEqual(['ConvInteger']);
    expect(skipped.map((s) => s.reason)).toEqual(['weight is not a constant']);
    const conv = graph.nodes.find((n) => n.opType === 'ConvInteger')!;
    expect(attrInts(conv, 'pads')).toEqual([1, 1, 1, 1]);
    expect(graph.constantValue(conv.input[1]!)?.dtype).toBe('uint8');
    expect(Array.from(graph.constantValue(conv.input[3]!)!.data as Uint8Array)).toEqual([128]);
    const add = graph.nodes.find((n) => n.opType === 'Add')!;
    expect(graph.constantValue(add.input[1]!)?.shape).toEqual([1, 3, 1, 1]);
    expect(graph.nodes.some((n) => n.opType === 'Constant')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { constantsToInitializers } from './constants-to-initializers.js';

describe('constantsToInitializers', () => {
  it('turns value, value_float and value_ints Constant nodes into same-named initializers', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2]);
    const w = b.constant('w', 'float32', [2, 2], [1, 2, 3, 4]);
    b.node({
      opType: 'Constant',
      inputs: [],
      outputs: ['k'],
      attributes: [attr.float('value_float', 0.5)],
    });
    b.node({
      opType: 'Constant',
      inputs: [],
      outputs: ['shape'],
      attributes: [attr.ints('value_ints', [2, 1])],
    });
    const y = b.op('Mul', [b.op('MatMul', [x, w]), 'k']);
    b.output(b.op('Reshape', [y, 'shape']));
    const graph = buildGraph(b.model());
    expect(constantsToInitializers(graph)).toEqual({ converted: 3, kept: 0 });
    verifyGraph(graph);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Mul', 'Reshape']);
    expect(graph.initializer('w')).toBeDefined();
    expect(Array.from(graph.constantValue('w')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(graph.constantValue('k')).toMatchObject({ dtype: 'float32', shape: [] });
    expect(Array.from(graph.constantValue('shape')!.data as BigInt64Array)).toEqual([2n, 1n]);
  });

  it('keeps a Constant node that is itself a graph output, and leaves the model valid', () => {
    const b = new GraphBuilder();
    b.output(b.constant('c', 'float32', [1], [7]));
    const graph = buildGraph(b.model());
    expect(constantsToInitializers(graph)).toEqual({ converted: 0, kept: 1 });
    verifyGraph(graph);
  });
});

// tensorRank: known from constants, inputs and value_info, carried through rank-keeping and
// broadcasting ops and constant-shape Reshape, and unknown where the graph does not fix it.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { buildGraph } from './graph.js';
import { tensorRank } from './rank.js';

describe('tensorRank', () => {
  it('follows rank-keeping ops, broadcasts and Reshape; unknown for the rest', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 3, 4]);
    const relu = b.op('Relu', [x]);
    const flat = b.op('Reshape', [relu, b.initializer('shape', 'int64', [2], [6, 4])]);
    const sum = b.op('Add', [flat, b.initializer('c', 'float32', [1, 1, 1], [1])]);
    const untyped = b.input('y', 'float32');
    const top = b.op('TopK', [sum, b.initializer('k', 'int64', [1], [1])]);
    b.output(b.op('Mul', [top, untyped]));
    const graph = buildGraph(b.model({ opset: 13 }));
    expect([x, relu, flat, sum, 'c'].map((n) => tensorRank(graph, n))).toEqual([4, 4, 2, 3, 3]);
    expect([untyped, top].map((n) => tensorRank(graph, n))).toEqual([undefined, undefined]);
  });
});

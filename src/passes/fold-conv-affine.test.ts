import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { foldConvAffine } from './fold-conv-affine.js';

function conv(b: GraphBuilder): string {
  const x = b.input('x', 'float32', [1, 1, 4, 4]);
  return b.op('Conv', [x, b.initializer('w', 'float32', [2, 1, 1, 1], [2, -3])]);
}

const valuesOf = (graph: ReturnType<typeof buildGraph>, name: string) =>
  Array.from(graph.constantValue(name)!.data as Float32Array);

describe('foldConvAffine', () => {
  it('folds Conv -> Mul(per channel) -> Add(scalar) -> Div(scalar) into weights and bias', () => {
    const b = new GraphBuilder();
    const m = b.op('Mul', [conv(b), b.initializer('m', 'float32', [1, 2, 1, 1], [0.5, 4])]);
    const a = b.op('Add', [b.initializer('a', 'float32', [], [1]), m]);
    b.output(b.op('Div', [a, b.initializer('d', 'float32', [1], [2])]));
    const graph = buildGraph(b.model());
    expect(foldConvAffine(graph).map((f) => f.opType)).toEqual(['Mul', 'Add', 'Div']);
    verifyGraph(graph);
    const [only] = graph.nodes;
    expect([graph.nodes.length, only!.output[0]]).toEqual([1, 'div_3']);
    expect(valuesOf(graph, only!.input[1]!)).toEqual([0.5, -6]);
    expect(valuesOf(graph, only!.input[2]!)).toEqual([0.5, 0.5]);
  });

  it('leaves constants that vary along other axes, and Sub or Div with the conv second', () => {
    for (const [op, shape, first] of [
      ['Mul', [2, 1, 1, 1], false],
      ['Add', [1, 1, 4, 1], false],
      ['Sub', [1], true],
      ['Div', [1], true],
    ] as const) {
      const b = new GraphBuilder();
      const c = conv(b);
      const k = b.initializer(
        'k',
        'float32',
        shape,
        new Float32Array(shape.reduce((p: number, q: number) => p * q, 1)).fill(2),
      );
      b.output(b.op(op, first ? [k, c] : [c, k]));
      const graph = buildGraph(b.model());
      expect(foldConvAffine(graph)).toEqual([]);
    }
  });

  it('turns HardSigmoid after a conv into a Clip(0, 1) of a conv with folded alpha and beta', () => {
    const b = new GraphBuilder();
    b.output(b.op('HardSigmoid', [conv(b)], [attr.float('alpha', 0.25)]));
    const graph = buildGraph(b.model());
    expect(foldConvAffine(graph).map((f) => f.opType)).toEqual(['HardSigmoid']);
    verifyGraph(graph);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'Clip']);
    const [c, clip] = graph.nodes;
    expect(valuesOf(graph, c!.input[1]!)).toEqual([0.5, -0.75]);
    expect(valuesOf(graph, c!.input[2]!)).toEqual([0.5, 0.5]);
    expect(clip!.input.slice(1).map((n) => valuesOf(graph, n)[0])).toEqual([0, 1]);
    expect(clip!.output).toEqual(['hardsigmoid_1']);
  });
});

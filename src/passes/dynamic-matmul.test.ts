import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { dynamicMatMul, quantizeColumns } from './dynamic-matmul.js';
import type { DynamicCache } from './dynamic-steps.js';
import { findWeightTargets } from './weight-only-targets.js';

describe('quantizeColumns', () => {
  it('one symmetric int8 scale per output column N; codes laid out [K, N]', () => {
    const w = Float32Array.of(1, -2, 0.5, 0.25); // [N = 2, K = 2]
    const q = quantizeColumns(w, 2, 2, 'int8');
    expect(Array.from(q.scale)).toEqual([Math.fround(2 / 127), Math.fround(0.5 / 127)]);
    expect(Array.from(q.codes)).toEqual([64, 127, -127, 64]);
    expect(q.zeroPoint).toBe(0);
    expect(quantizeColumns(w, 2, 2, 'uint8').zeroPoint).toBe(128);
  });
});

describe('dynamicMatMul', () => {
  it('MatMul and Gemm reading one activation share one DynamicQuantizeLinear', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    b.initializer(
      'w',
      'float32',
      [3, 4],
      Float32Array.from({ length: 12 }, (_, i) => i - 6),
    );
    b.initializer('c', 'float32', [4], [1, 2, 3, 4]);
    b.output(b.op('MatMul', [x, 'w']));
    b.output(b.op('Gemm', [x, 'w', 'c'], [attr.float('alpha', 0.5)]));
    const graph = buildGraph(b.model());
    const cache: DynamicCache = new Map();
    const done = dynamicMatMul(graph, findWeightTargets(graph).targets, cache);
    verifyGraph(graph);
    const count = (op: string) => graph.nodes.filter((n) => n.opType === op).length;
    expect(done.map((d) => d.form)).toEqual(['MatMulInteger', 'MatMulInteger']);
    expect([count('DynamicQuantizeLinear'), count('MatMulInteger'), count('Cast')]).toEqual([
      1, 2, 2,
    ]);
    expect([count('Mul'), count('Add')]).toEqual([4, 1]);
    const integer = graph.nodes.find((n) => n.opType === 'MatMulInteger')!;
    expect(integer.input.length).toBe(3); // no b_zero_point: symmetric int8
    expect(graph.constantValue(integer.input[1]!)).toMatchObject({ dtype: 'int8', shape: [3, 4] });
    expect(graph.initializer('w')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { dequantize } from '../core/index.js';
import { attr, attrInt } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { blockQuantize, transpose } from './weight-only-blocks.js';
import { toBlockedDequantize } from './weight-only-qdq.js';
import { findWeightTargets, weightMatrix } from './weight-only-targets.js';

const weights = Float32Array.from({ length: 40 * 3 }, (_, i) => Math.cos(i) * (1 + (i % 5)));

function gemmModel(opset: number) {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [2, 40]);
  b.initializer('w', 'float32', [3, 40], weights);
  b.output(b.op('Gemm', [x, 'w'], [attr.int('transB', 1)]));
  return buildGraph(b.model({ opset }));
}

describe('toBlockedDequantize', () => {
  it('Gemm transB=1 becomes DequantizeLinear(axis 0, block_size) -> MatMul over W [K, N]', () => {
    const graph = gemmModel(21);
    const targets = findWeightTargets(graph).targets;
    const spec = { bits: 4, scheme: 'asymmetric', blockSize: 32 } as const;
    const expected = blockQuantize(weightMatrix(graph, targets[0]!), 3, 40, spec, 'w');
    toBlockedDequantize(graph, targets, spec);
    verifyGraph(graph);
    const [dq, matmul] = graph.nodes;
    expect([dq?.opType, matmul?.opType]).toEqual(['DequantizeLinear', 'MatMul']);
    expect([attrInt(dq!, 'axis', -1), attrInt(dq!, 'block_size', -1)]).toEqual([0, 32]);
    const [codes, scale, zeroPoint] = dq!.input.map((n) => graph.constantValue(n)!);
    expect([codes!.dtype, codes!.shape]).toEqual(['uint4', [40, 3]]);
    expect([scale!.shape, zeroPoint!.dtype, zeroPoint!.shape]).toEqual([[2, 3], 'uint4', [2, 3]]);
    const stored = {
      ...expected.params,
      granularity: { kind: 'per-block', axis: 0, blockSize: 32 },
    };
    const back = dequantize(codes!.data as Uint8Array, [40, 3], {
      ...stored,
      scale: scale!.data as Float32Array,
      zeroPoint: Int32Array.from(zeroPoint!.data as Uint8Array),
    } as typeof expected.params);
    const reference = dequantize(expected.codes, [3, 40], expected.params);
    expect(Array.from(back)).toEqual(Array.from(transpose(reference, 3, 40)));
  });

  it('symmetric blocks are int4 with no zero point input', () => {
    const graph = gemmModel(21);
    toBlockedDequantize(graph, findWeightTargets(graph).targets, {
      bits: 4,
      scheme: 'symmetric',
      blockSize: 16,
    });
    const dq = graph.nodes[0]!;
    expect(dq.input.length).toBe(2);
    expect(graph.constantValue(dq.input[0]!)?.dtype).toBe('int4');
  });

  it('refuses a model below opset 21', () => {
    const graph = gemmModel(13);
    const spec = { bits: 4, scheme: 'symmetric', blockSize: 32 } as const;
    expect(() => toBlockedDequantize(graph, findWeightTargets(graph).targets, spec)).toThrow(
      /opset 21/,
    );
  });
});

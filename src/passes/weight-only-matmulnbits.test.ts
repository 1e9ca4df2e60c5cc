import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attr, attrInt } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { blockQuantize } from './weight-only-blocks.js';
import { packMatMulNBits, packZeroPoints, toMatMulNBits } from './weight-only-matmulnbits.js';
import { findWeightTargets } from './weight-only-targets.js';

describe('packMatMulNBits', () => {
  it('4-bit codes: unsigned (symmetric + 8), low nibble first, padding at the zero point', () => {
    const w = Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 7 : -7) * (i + 1));
    const q = blockQuantize(w, 1, 20, { bits: 4, scheme: 'symmetric', blockSize: 16 }, 'w');
    const b = packMatMulNBits(q, 4, 16);
    expect(b.length).toBe(16); // 2 blocks x 8 bytes
    const u = (i: number) => q.codes[i]! + 8;
    expect(b[0]).toBe(u(0) | (u(1) << 4));
    expect(b[9]).toBe(u(18) | (u(19) << 4));
    expect(Array.from(b.slice(10))).toEqual(new Array(6).fill(0x88));
  });

  it('asymmetric codes stay as they are; the padding holds each block its own zero point', () => {
    const w = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i) + (i < 20 ? 0 : 3));
    const q = blockQuantize(w, 2, 20, { bits: 4, scheme: 'asymmetric', blockSize: 16 }, 'w');
    const b = packMatMulNBits(q, 4, 16);
    const z = Array.from(q.params.zeroPoint);
    expect(b[1]).toBe(q.codes[2]! | (q.codes[3]! << 4));
    expect(b[15]).toBe(z[1]! | (z[1]! << 4)); // row 0, block 1, positions 30-31 are padding
    expect(b[16 + 15]).toBe(z[3]! | (z[3]! << 4));
  });

  it('8-bit codes one per byte', () => {
    const w = Float32Array.from({ length: 16 }, (_, i) => i - 8);
    const q = blockQuantize(w, 1, 16, { bits: 8, scheme: 'symmetric', blockSize: 16 }, 'w');
    expect(Array.from(packMatMulNBits(q, 8, 16))).toEqual(Array.from(q.codes, (c) => c + 128));
  });
});

describe('packZeroPoints', () => {
  it('4-bit: [N, ceil(blocks / 2)], two blocks per byte, low nibble first', () => {
    const w = Float32Array.from({ length: 96 }, (_, i) => (i % 7) - (i % 48 < 16 ? 1 : 5));
    const q = blockQuantize(w, 2, 48, { bits: 4, scheme: 'asymmetric', blockSize: 16 }, 'w');
    const z = Array.from(q.params.zeroPoint);
    expect(Array.from(packZeroPoints(q, 4))).toEqual([
      z[0]! | (z[1]! << 4),
      z[2]!,
      z[3]! | (z[4]! << 4),
      z[5]!,
    ]);
  });
});

describe('toMatMulNBits', () => {
  it('replaces MatMul and Gemm (alpha, beta, C) and leaves the graph valid', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 40]);
    b.initializer(
      'w',
      'float32',
      [40, 3],
      Float32Array.from({ length: 120 }, (_, i) => Math.sin(i)),
    );
    b.initializer('c', 'float32', [3], [1, 2, 3]);
    b.output(b.op('MatMul', [x, 'w']));
    b.output(b.op('Gemm', [x, 'w', 'c'], [attr.float('beta', 0.5)]));
    const graph = buildGraph(b.model());
    const { targets } = findWeightTargets(graph);
    const spec = { bits: 4, scheme: 'asymmetric', blockSize: 32, accuracyLevel: 4 } as const;
    const done = toMatMulNBits(graph, targets, spec);
    verifyGraph(graph);
    const ops = graph.nodes.map((n) => n.opType);
    expect(ops.sort()).toEqual(['Add', 'MatMulNBits', 'MatMulNBits']);
    const [node, other] = graph.nodes.filter((n) => n.opType === 'MatMulNBits') as [
      NodeProto,
      NodeProto,
    ];
    const add = graph.nodes.find((n) => n.opType === 'Add')!;
    expect(node.domain).toBe('com.microsoft');
    expect([40, 3, 4, 32, 4]).toEqual(
      ['K', 'N', 'bits', 'block_size', 'accuracy_level'].map((a) => attrInt(node, a, -1)),
    );
    expect(node.input.slice(1)).toEqual(other.input.slice(1)); // one stored copy
    expect(graph.constant(node.input[1]!)?.dims.map(Number)).toEqual([3, 2, 16]);
    expect(graph.constant(node.input[3]!)?.dims.map(Number)).toEqual([3, 1]);
    expect(graph.initializer('w')).toBeUndefined();
    expect(Array.from(graph.constantValue(add.input[1]!)!.data as Float32Array)).toEqual([
      0.5, 1, 1.5,
    ]);
    expect(graph.model.opsetImport.map((o) => o.domain)).toContain('com.microsoft');
    expect(done.map((d) => [d.padding, d.k, d.n])).toEqual([
      [24, 40, 3],
      [24, 40, 3],
    ]);
  });
});

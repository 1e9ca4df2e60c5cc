// Weight-only quantization end to end in onnxruntime-node: both output forms load and run, the
// weights onnxruntime computes with are exactly core's dequantized blocks, Gemm's alpha, beta and
// transB survive, and the bad inputs of the issue (K not a multiple of the block, a non-constant
// weight, all-zero blocks, NaN) are handled as documented.
import { describe, expect, it } from 'vitest';
import { dequantize, isZeropointError } from '../src/core/index.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph, readModel } from '../src/onnx/index.js';
import { blockQuantize, transpose } from '../src/passes/weight-only-blocks.js';
import { runWeightsRecipe, type WeightsOptions } from '../src/ptq/quantize-weights.js';
import { createSession, type SessionOptions } from '../src/runtime/onnxruntime.js';

const K = 40;
const N = 6;
const weight = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.7) * (1 + (i % 9)));

/** y = eye(K) x W [K, N]: the output is the weight onnxruntime computes with. */
function identityModel(w: Float32Array = weight, opset = 13): Uint8Array {
  const b = new ModelBuilder();
  b.input('a', 'float32', [K, K]);
  b.initializer('w', 'float32', [K, N], w);
  b.output(b.op('MatMul', ['a', 'w']), 'float32', [K, N]);
  return b.bytes(opset);
}

async function run(bytes: Uint8Array, options: SessionOptions = {}): Promise<Float32Array> {
  const session = await createSession(bytes, options);
  const eye = new Float32Array(K * K);
  for (let i = 0; i < K; i++) eye[i * K + i] = 1;
  const out = await session.run({ a: { type: 'float32', dims: [K, K], data: eye } });
  await session.release();
  return Object.values(out)[0]!.data as Float32Array;
}

/** Core's dequantized blocks of `w` [K, N], as [K, N]. */
function reference(options: Required<Pick<WeightsOptions, 'bits' | 'scheme' | 'blockSize'>>) {
  const q = blockQuantize(transpose(weight, K, N), N, K, options, 'w');
  return transpose(dequantize(q.codes, [N, K], q.params), N, K);
}

const SPECS = [4, 8].flatMap((bits) =>
  (['symmetric', 'asymmetric'] as const).map((scheme) => ({ bits: bits as 4 | 8, scheme })),
);

describe('weight-only models in onnxruntime-node', () => {
  for (const { bits, scheme } of SPECS) {
    it(`int${bits} ${scheme}, K = 40 in blocks of 16 and 32: onnxruntime's weights are core's, bit for bit`, async () => {
      for (const blockSize of [16, 32]) {
        const options = { bits, scheme, blockSize, clipSearch: false };
        const expected = Array.from(reference(options));
        const nbits = runWeightsRecipe(identityModel(), {
          ...options,
          format: 'matmulnbits',
          accuracyLevel: 0,
        });
        expect(Array.from(await run(nbits.bytes))).toEqual(expected);
        const qdq = runWeightsRecipe(identityModel(), { ...options, format: 'qdq' });
        expect(Array.from(await run(qdq.bytes, { optimization: 'disabled' }))).toEqual(expected);
        // Optimised, onnxruntime fuses DQ -> MatMul into MatMulNBits with int8 activations.
        const fused = await run(qdq.bytes);
        fused.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      }
    });
  }

  it('Gemm with alpha, beta, C and transB = 1 keeps its meaning in both forms', async () => {
    const b = new ModelBuilder();
    b.input('a', 'float32', [3, K]);
    b.initializer('w', 'float32', [N, K], weight);
    b.initializer('c', 'float32', [N], [1, 2, 3, 4, 5, 6]);
    const attrs = [attr.int('transB', 1), attr.float('alpha', 0.5), attr.float('beta', 2)];
    b.output(b.op('Gemm', ['a', 'w', 'c'], attrs), 'float32', [3, N]);
    const fp32 = b.bytes(13);
    const a = Float32Array.from({ length: 3 * K }, (_, i) => Math.cos(i));
    const feeds = { a: { type: 'float32' as const, dims: [3, K], data: a } };
    const outputOf = async (bytes: Uint8Array) =>
      Object.values(await (await createSession(bytes)).run(feeds))[0]!.data as Float32Array;
    const want = await outputOf(fp32);
    for (const format of ['matmulnbits', 'qdq'] as const) {
      const { bytes, report } = runWeightsRecipe(fp32, { bits: 8, blockSize: 32, format });
      expect(report.weights).toHaveLength(1);
      const got = await outputOf(bytes);
      const range = Math.max(...want.map(Math.abs));
      got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(0.01 * range));
    }
  });

  it('K not a multiple of the block is padded, and the metadata says so', () => {
    const { bytes, report } = runWeightsRecipe(identityModel(), { bits: 4, blockSize: 32 });
    expect(report.weights[0]).toMatchObject({ k: 40, padding: 24 });
    const meta = new Map(readModel(bytes).metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta.get('zeropoint.weights.padding')!)).toEqual([
      { weight: 'w', k: 40, paddedTo: 64 },
    ]);
    expect(JSON.parse(meta.get('zeropoint.weights')!)).toMatchObject({ bits: 4, blockSize: 32 });
  });

  it('a MatMul whose weight is not constant is left alone and listed', () => {
    const b = new ModelBuilder();
    b.input('a', 'float32', [2, 4]);
    b.input('b', 'float32', [4, 3]);
    b.output(b.op('MatMul', ['a', 'b']), 'float32', [2, 3]);
    const { bytes, report } = runWeightsRecipe(b.bytes(13), { bits: 4 });
    expect(report.weights).toEqual([]);
    expect(report.skipped).toEqual([
      { node: 'MatMul_0', opType: 'MatMul', reason: 'weight is not a constant' },
    ]);
    expect(buildGraph(readModel(bytes)).nodes.map((n) => n.opType)).toEqual(['MatMul']);
  });

  it('all-zero blocks get finite scales and dequantize to exact zeros', async () => {
    const w = Float32Array.from(weight);
    w.fill(0, 0, 16 * N); // rows 0..15 of [K, N]: the first block of every column
    for (const scheme of ['symmetric', 'asymmetric'] as const) {
      const options = { bits: 4 as const, scheme, blockSize: 16, format: 'matmulnbits' as const };
      const y = await run(
        runWeightsRecipe(identityModel(w), { ...options, accuracyLevel: 0 }).bytes,
      );
      expect(y.every(Number.isFinite)).toBe(true);
      expect(Array.from(y.slice(0, 16 * N))).toEqual(new Array(16 * N).fill(0));
    }
  });

  it('a NaN weight fails with bad-model naming the initializer', () => {
    const w = Float32Array.from(weight);
    w[7] = NaN;
    try {
      runWeightsRecipe(identityModel(w), { bits: 4 });
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'bad-model')).toBe(true);
      expect((error as Error).message).toMatch(/'w' holds NaN/);
    }
  });
});

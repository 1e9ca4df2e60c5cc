// average-pool-conv.ts in onnxruntime: the depthwise QLinearConv it writes gives the codes
// QLinearAveragePool gave, on every code 0..255 at the PP-OCRv4 recognizer's pool shape and on a
// padded 3x3 pool that counts its padding.
import { describe, expect, it } from 'vitest';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph, readModel, writeModel } from '../src/onnx/index.js';
import { averagePoolsAsConvs } from '../src/passes/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { qdqPool, type QdqPoolSpec } from './helpers/qdq-pool.js';

async function codes(bytes: Uint8Array, x: Uint8Array, dims: number[]): Promise<Uint8Array> {
  const session = await createSession(bytes, { threads: 1 });
  const result = await session.run({ x: { type: 'uint8', dims, data: x } });
  await session.release();
  return result[session.outputNames[0]!]!.data as Uint8Array;
}

async function expectSameCodes(spec: QdqPoolSpec): Promise<void> {
  const dims = spec.shape as number[];
  const x = new Uint8Array(dims.reduce((a, d) => a * d, 1)).map((_, i) => (i * 2654435761) >>> 24);
  const pooled = qdqPool(spec);
  const model = readModel(pooled);
  expect(averagePoolsAsConvs(buildGraph(model))[0]?.channels).toBe(dims[1]);
  const before = await codes(pooled, x, dims);
  const after = await codes(writeModel(model), x, dims);
  expect(new Set(x).size).toBe(256);
  expect(after).toEqual(before);
}

describe('an AveragePool as a depthwise QLinearConv in onnxruntime', () => {
  it('3x2 window, stride 3x2, over 480 x 3 x 80: the same codes', async () => {
    const attributes = [attr.ints('kernel_shape', [3, 2]), attr.ints('strides', [3, 2])];
    await expectSameCodes({ shape: [1, 480, 3, 80], outShape: [1, 480, 1, 40], attributes });
  });

  it('3x3 window padded by 1, counting the padding: the same codes', async () => {
    const attributes = [
      attr.ints('kernel_shape', [3, 3]),
      attr.ints('pads', [1, 1, 1, 1]),
      attr.int('count_include_pad', 1),
    ];
    await expectSameCodes({ shape: [1, 32, 12, 40], outShape: [1, 32, 12, 40], attributes });
  });
});

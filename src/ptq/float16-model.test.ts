import { describe, expect, it } from 'vitest';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { buildGraph, readModel } from '../onnx/index.js';
import { matmulThen } from '../../test/helpers/tiny-models.js';
import {
  seeded,
  tinyTransformer,
  tinyTransformerFeeds,
} from '../../test/helpers/tiny-transformer.js';
import { runFloat16Recipe } from './float16-model.js';
import { modelInputs } from './model-inputs.js';
import { compareOutputs, feedsFor } from './output-agreement.js';
import { runDynamicRecipe } from './quantize-dynamic.js';
import { runStaticRecipe } from './quantize-static.js';
import { runWeightsRecipe } from './quantize-weights.js';

// The tiny transformer (int64 ids in, float logits out) as a float16 model with float16 I/O.
const fp32 = tinyTransformer();
const fp16 = runFloat16Recipe(fp32, { io: 'float16' }).bytes;
const feeds = tinyTransformerFeeds(2, 2, 11);

function outputType(bytes: Uint8Array): number | undefined {
  const t = readModel(bytes).graph?.output[0]?.type?.value;
  return t?.case === 'tensorType' ? t.value.elemType : undefined;
}

function floatTypes(bytes: Uint8Array): Set<number> {
  const graph = buildGraph(readModel(bytes));
  return new Set(graph.proto.initializer.map((t) => t.dataType).filter((d) => d === 1 || d === 10));
}

describe('float16 models through the recipes', () => {
  it('runFloat16Recipe halves the weights and agrees with fp32 in onnxruntime', async () => {
    expect(fp16.length / fp32.length).toBeLessThan(0.56);
    expect(outputType(fp16)).toBe(T.FLOAT16);
    const [agreement] = await compareOutputs(fp32, fp16, feeds);
    expect(agreement!.cosine).toBeGreaterThan(0.9999);
  });

  it('dynamic: fp16 logits kept, float16 weight scales, agrees with the fp16 model', async () => {
    const { bytes, report } = runDynamicRecipe(fp16);
    expect(outputType(bytes)).toBe(T.FLOAT16);
    expect(report.float16?.keptNodes.map((k) => k.opType)).toContain('DynamicQuantizeLinear');
    const [agreement] = await compareOutputs(fp16, bytes, feeds);
    expect(agreement!.cosine).toBeGreaterThan(0.999);
  });

  it('weight-only int4 (blocked DequantizeLinear): float16 scales, fp16 logits', async () => {
    const { bytes, report } = runWeightsRecipe(fp16, { bits: 4 });
    expect(report.weights.length).toBeGreaterThan(0);
    expect(outputType(bytes)).toBe(T.FLOAT16);
    expect(floatTypes(bytes)).toEqual(new Set([T.FLOAT16]));
    // As close to the fp16 model as int4 of the fp32 model is to the fp32 one.
    const [agreement] = await compareOutputs(fp16, bytes, feeds);
    const [reference] = await compareOutputs(
      fp32,
      runWeightsRecipe(fp32, { bits: 4 }).bytes,
      feeds,
    );
    expect(agreement!.cosine).toBeGreaterThan(reference!.cosine - 0.002);
  });

  it('static: calibrates the widened model; QDQ groups float32 inside, fp16 around', async () => {
    const result = await runStaticRecipe(fp16, tinyTransformerFeeds(4, 2), {});
    expect(result.prepare.float16?.outputs).toEqual([readModel(fp16).graph!.output[0]!.name]);
    const model = readModel(result.bytes);
    expect(Number(model.opsetImport.find((o) => o.domain === '')!.version)).toBeGreaterThanOrEqual(
      19,
    );
    const graph = buildGraph(model);
    const dq = graph.nodes.filter((n) => n.opType === 'DequantizeLinear');
    expect(dq.length).toBeGreaterThan(0);
    // onnxruntime fuses QDQ groups with float32 scales only; float ops between them are fp16.
    expect(new Set(dq.map((n) => graph.initializer(n.input[1]!)?.dataType))).toEqual(
      new Set([T.FLOAT]),
    );
    expect(result.plan.nodes.some((d) => d.status === 'float')).toBe(true);
    expect(graph.nodes.some((n) => n.opType === 'Cast')).toBe(true);
    expect(outputType(result.bytes)).toBe(T.FLOAT16);
    const [agreement] = await compareOutputs(fp16, result.bytes, feeds);
    expect(agreement!.cosine).toBeGreaterThan(0.99);
  });

  it('a float16 input is fed float16 data and calibrated from it', async () => {
    const rand = seeded(3);
    const x = () => ({
      x: { type: 'float32' as const, dims: [1, 4], data: Float32Array.from({ length: 4 }, rand) },
    });
    const half = runFloat16Recipe(matmulThen('Relu'), { io: 'float16' }).bytes;
    expect(modelInputs(readModel(half))[0]!.dtype).toBe('float16');
    const inputs = modelInputs(readModel(half));
    const calib = Array.from({ length: 4 }, () => feedsFor(inputs, x()));
    expect(calib[0]!.x!.type).toBe('float16');
    const result = await runStaticRecipe(half, calib, {});
    const [agreement] = await compareOutputs(half, result.bytes, [x(), x()]);
    expect(agreement!.cosine).toBeGreaterThan(0.99);
  });
});

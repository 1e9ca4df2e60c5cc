// The QDQ passes end to end on tiny models, one op family each: fold, plan, calibrate by
// min/max over a float run, insert, verifyGraph, then run in onnxruntime and check that the
// output stays close to float and that onnxruntime's optimized graph really has the integer
// kernels (QLinearConv, QLinearMatMul, QGemm, QLinearAdd...) in place of the float ops.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueInfoProtoSchema, type ModelProto } from '../src/onnx/gen/onnx_pb.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import { upgradeOpset } from '../src/onnx/opset-upgrade.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';
import { foldConvAffine } from '../src/passes/fold-conv-affine.js';
import { insertQdq } from '../src/passes/insert-qdq.js';
import { planQuantization } from '../src/passes/plan-quantization.js';
import type { PlanOptions } from '../src/passes/plan-types.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { GraphBuilder } from './helpers/graph-builder.js';

const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-qdq-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SHAPE = [1, 4, 8, 8];
const wave = (n: number, phase = 0) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase) + 0.3 * Math.cos(i * 1.3));
const feed = (phase: number, shape = SHAPE): Record<string, RuntimeTensor> => ({
  x: {
    type: 'float32',
    dims: shape,
    data: wave(
      shape.reduce((a, b) => a * b, 1),
      phase,
    ),
  },
});

/** Output of `model` on `input`, as float32. */
async function run(bytes: Uint8Array, input: Record<string, RuntimeTensor>): Promise<Float32Array> {
  const session = await createSession(bytes);
  const out = await session.run(input);
  await session.release();
  return out[session.outputNames[0]!]!.data as Float32Array;
}

/** Min/max of `names` over float runs of a copy of `model` that outputs them. */
async function minMax(
  model: ModelProto,
  names: readonly string[],
  feeds: Record<string, RuntimeTensor>[],
) {
  const copy = readModel(writeModel(model));
  const fetch = names.filter((n) => n !== 'x');
  for (const name of fetch) copy.graph!.output.push(create(ValueInfoProtoSchema, { name }));
  const session = await createSession(writeModel(copy));
  const ranges = new Map<string, { min: number; max: number }>();
  const observe = (name: string, data: Float32Array) => {
    const r = ranges.get(name) ?? { min: Infinity, max: -Infinity };
    for (const v of data) r.min = Math.min(r.min, v);
    for (const v of data) r.max = Math.max(r.max, v);
    ranges.set(name, r);
  };
  for (const f of feeds) {
    const out = fetch.length > 0 ? await session.run(f, fetch) : {};
    for (const name of fetch) observe(name, out[name]!.data as Float32Array);
    if (names.includes('x')) observe('x', f.x!.data as Float32Array);
  }
  await session.release();
  return ranges;
}

/** Op types (any domain) of the graph onnxruntime runs after its extended optimizations. */
async function fusedOps(bytes: Uint8Array): Promise<Record<string, number>> {
  const path = join(scratch, `optimized-${Math.random().toString(36).slice(2)}.onnx`);
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

function sqnr(reference: Float32Array, test: Float32Array): number {
  let signal = 0;
  let noise = 0;
  reference.forEach((v, i) => {
    signal += v * v;
    noise += (v - test[i]!) ** 2;
  });
  return 10 * Math.log10(signal / noise);
}

/** Quantizes a tiny model end to end; returns the fused ops and output SQNR on held-out input. */
async function quantizeTiny(model: ModelProto, options: PlanOptions = {}, shape = SHAPE) {
  const float = writeModel(model);
  const graph = buildGraph(model);
  foldConvAffine(graph);
  const plan = planQuantization(graph, options);
  const feeds = [0, 1, 2, 3].map((p) => feed(p, shape));
  const report = insertQdq(graph, plan, await minMax(graph.model, plan.calibrate, feeds));
  verifyGraph(graph);
  const bytes = writeModel(graph.model);
  const test = feed(0.5, shape);
  return {
    plan,
    report,
    ops: await fusedOps(bytes),
    sqnr: sqnr(await run(float, test), await run(bytes, test)),
  };
}

const init = (b: GraphBuilder, name: string, shape: number[], phase = 1) =>
  b.initializer(
    name,
    'float32',
    shape,
    wave(
      shape.reduce((p, q) => p * q, 1),
      phase,
    ),
  );

/** x -> Conv 3x3 -> BN -> Relu -> depthwise Conv -> Clip(0, 6) -> Conv 1x1 -> Neg. */
function convNet() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', SHAPE);
  const pads = attr.ints('pads', [1, 1, 1, 1]);
  const c0 = b.op('Conv', [x, init(b, 'w0', [8, 4, 3, 3]), init(b, 'b0', [8], 2)], [pads]);
  const bnParams = ['gamma', 'beta', 'mean'].map((n, i) => init(b, n, [8], i));
  const bn = b.op('BatchNormalization', [
    c0,
    ...bnParams,
    b.initializer('var', 'float32', [8], new Float32Array(8).fill(2)),
  ]);
  const dw = b.op(
    'Conv',
    [b.op('Relu', [bn]), init(b, 'w1', [8, 1, 3, 3], 3)],
    [pads, attr.int('group', 8)],
  );
  const six = [b.initializer('lo', 'float32', [], [0]), b.initializer('hi', 'float32', [], [6])];
  const pw = b.op('Conv', [b.op('Clip', [dw, ...six]), init(b, 'w2', [4, 8, 1, 1], 4)]);
  b.output(b.op('Neg', [pw]));
  return b.model();
}

describe('QDQ on onnxruntime', () => {
  it('turns Conv (+BN, Relu, depthwise, Clip) into QLinearConv only, close to float', async () => {
    const { ops, sqnr: db, plan } = await quantizeTiny(convNet());
    expect(plan.nodes.filter((d) => d.status === 'folded').map((d) => d.opType)).toEqual([
      'Relu',
      'Clip',
    ]);
    expect(ops).toMatchObject({ QLinearConv: 3, QuantizeLinear: 1, DequantizeLinear: 1, Neg: 1 });
    expect(ops.Conv).toBeUndefined();
    expect(db).toBeGreaterThan(40);
  });

  it('keeps fusing with symmetric uint8 (zero point 128) and runs int8 and int16 models', async () => {
    const sym = await quantizeTiny(convNet(), { activations: 'symmetric' });
    expect(sym.ops.QLinearConv).toBe(3);
    expect(sym.ops.Relu).toBe(1); // not foldable at zero point 128: a float island
    expect(sym.sqnr).toBeGreaterThan(35);
    const int8 = await quantizeTiny(convNet(), { activations: 'asymmetric-int8' });
    expect(int8.sqnr).toBeGreaterThan(40);
    const model = convNet();
    upgradeOpset(model, 21);
    const int16 = await quantizeTiny(model, { activations: 'int16' });
    expect(int16.ops.QLinearConv).toBeUndefined(); // onnxruntime has no 16-bit QLinearConv
    expect(int16.sqnr).toBeGreaterThan(45); // int8 weights bound it
  });

  it('fuses Gemm to QGemm, MatMul with a weight to QLinearMatMul, and MatMul of two activations when asked', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [4, 16]);
    const g = b.op(
      'Gemm',
      [x, init(b, 'wg', [8, 16]), init(b, 'bg', [8])],
      [attr.int('transB', 1)],
    );
    const m = b.op('MatMul', [b.op('Sigmoid', [g]), init(b, 'wm', [8, 8], 2)]);
    const t = b.op('Transpose', [m]);
    b.output(b.op('Neg', [b.op('MatMul', [m, t])]));
    const bytes = b.bytes();
    const asked = await quantizeTiny(readModel(bytes), { activationMatMul: 'quantize' }, [4, 16]);
    expect(asked.ops).toMatchObject({ QGemm: 1, QLinearMatMul: 2, QLinearSigmoid: 1 });
    expect([asked.ops.Gemm, asked.ops.MatMul]).toEqual([undefined, undefined]);
    expect(asked.sqnr).toBeGreaterThan(35);
    // By default the MatMul of two activations gets no QDQ of its output; its inputs are
    // dequantized ones, so onnxruntime runs it as MatMulIntegerToFloat (float output).
    const { ops, sqnr: db } = await quantizeTiny(readModel(bytes), {}, [4, 16]);
    expect(ops).toMatchObject({ QGemm: 1, QLinearMatMul: 1, MatMulIntegerToFloat: 1 });
    expect(ops.MatMul).toBeUndefined();
    expect(db).toBeGreaterThan(35);
  });

  it('fuses Add, Mul, pools, LeakyRelu, Softmax and Concat, and runs MaxPool, Resize, Reshape on integers', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', SHAPE);
    const c = b.op('Conv', [x, init(b, 'w', [4, 4, 1, 1])]);
    const add = b.op('Add', [c, b.op('LeakyRelu', [x])]);
    const mul = b.op('Mul', [add, b.op('Sigmoid', [b.op('GlobalAveragePool', [c])])]);
    const pooled = b.op(
      'MaxPool',
      [mul],
      [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
    );
    const avg = b.op('AveragePool', [pooled], [attr.ints('kernel_shape', [2, 2])]);
    const up = b.op('Resize', [avg, '', b.initializer('scales', 'float32', [4], [1, 1, 2, 2])]);
    const cat = b.op(
      'Concat',
      [up, b.op('Add', [up, b.initializer('k', 'float32', [], [0.5])])],
      [attr.int('axis', 1)],
    );
    const flat = b.op('Reshape', [cat, b.initializer('shape', 'int64', [2], [1, -1])]);
    b.output(b.op('Neg', [b.op('Softmax', [flat])]));
    const { ops, sqnr: db } = await quantizeTiny(b.model());
    expect(ops).toMatchObject({
      QLinearConv: 1,
      QLinearAdd: 2,
      QLinearMul: 1,
      QLinearLeakyRelu: 1,
      QLinearGlobalAveragePool: 1,
      QLinearSigmoid: 1,
      QLinearAveragePool: 1,
      QLinearConcat: 1,
      QLinearSoftmax: 1,
      MaxPool: 1,
      Resize: 1,
      Reshape: 1,
      QuantizeLinear: 1,
      DequantizeLinear: 1,
    });
    expect(db).toBeGreaterThan(35);
  });

  it('folds Div and Mul by constants into scales, and HardSigmoid after a conv into a clamp', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', SHAPE);
    const c = b.op('Conv', [x, init(b, 'w', [4, 4, 1, 1])]);
    const three = b.initializer('three', 'float32', [], [3]);
    const clip = b.op('Clip', [
      b.op('Add', [c, three]),
      b.initializer('lo', 'float32', [], [0]),
      b.initializer('hi', 'float32', [], [6]),
    ]);
    const hswish = b.op('Div', [b.op('Mul', [c, clip]), b.initializer('six', 'float32', [], [6])]);
    const se = b.op('HardSigmoid', [
      b.op('Conv', [b.op('GlobalAveragePool', [hswish]), init(b, 'v', [4, 4, 1, 1], 2)]),
    ]);
    const scaled = b.op('Mul', [
      b.initializer('k', 'float32', [], [1.5]),
      b.op('Mul', [hswish, se]),
    ]);
    b.output(b.op('Neg', [b.op('Conv', [scaled, init(b, 'u', [4, 4, 1, 1], 3)])]));
    const { ops, sqnr: db, plan } = await quantizeTiny(b.model());
    const folded = plan.nodes.filter((d) => d.status === 'folded').map((d) => d.opType);
    expect(folded.sort()).toEqual(['Clip', 'Clip', 'Div', 'Mul']);
    expect(ops).toMatchObject({
      QLinearConv: 3,
      QLinearAdd: 1,
      QLinearMul: 2,
      QuantizeLinear: 1,
      DequantizeLinear: 1,
    });
    expect([ops.Div, ops.HardSigmoid, ops.Clip]).toEqual([undefined, undefined, undefined]);
    expect(db).toBeGreaterThan(30);
  });

  it('quantizes weights kept in Constant nodes, as PP-OCR stores them, without converting first', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', SHAPE);
    const w = b.constant('w', 'float32', [4, 4, 3, 3], wave(144, 1));
    const bias = b.constant('bias', 'float32', [4], [0.1, -0.2, 0.3, 0]);
    const c = b.op('Conv', [x, w, bias], [attr.ints('pads', [1, 1, 1, 1])]);
    b.output(
      b.op('Neg', [b.op('Conv', [c, b.constant('v', 'float32', [4, 4, 1, 1], wave(16, 2))])]),
    );
    const { ops, sqnr: db, report } = await quantizeTiny(b.model());
    expect([report.weights, report.biases]).toEqual([2, 1]);
    expect(ops).toMatchObject({ QLinearConv: 2, QuantizeLinear: 1, DequantizeLinear: 1 });
    expect(ops.Constant).toBeUndefined();
    expect(db).toBeGreaterThan(30);
  });

  it('puts QDQ around ops without an integer kernel too when asked, and still runs', async () => {
    const model = () => {
      const b = new GraphBuilder();
      const x = b.input('x', 'float32', SHAPE);
      const c = b.op('Conv', [x, init(b, 'w', [4, 4, 1, 1])]);
      const e = b.op('Exp', [c]);
      const t = b.op(
        'ConvTranspose',
        [e, init(b, 'wt', [4, 2, 2, 2], 2)],
        [attr.ints('strides', [2, 2])],
      );
      b.output(b.op('Neg', [b.op('Conv', [t, init(b, 'v', [2, 2, 1, 1], 3)])]));
      return b.model();
    };
    const all = await quantizeTiny(model(), { opsWithoutKernel: 'quantize' });
    const statuses = (p: typeof all.plan) => p.nodes.map((d) => d.status);
    expect(statuses(all.plan)).toEqual([
      'quantized',
      'quantized',
      'quantized',
      'quantized',
      'float',
    ]);
    expect(all.ops).toMatchObject({ QLinearConv: 2, Exp: 1, ConvTranspose: 1 });
    expect(all.sqnr).toBeGreaterThan(30);
    const float = await quantizeTiny(model());
    expect(statuses(float.plan)).toEqual(['quantized', 'float', 'float', 'quantized', 'float']);
    expect(float.sqnr).toBeGreaterThan(all.sqnr);
  });

  it('folds BatchNormalization and conv affine ops exactly up to float rounding', async () => {
    const model = convNet();
    const before = writeModel(model);
    const graph = buildGraph(model);
    expect(foldConvAffine(graph).map((f) => f.opType)).toEqual(['BatchNormalization']);
    verifyGraph(graph);
    const [a, b] = [await run(before, feed(0)), await run(writeModel(graph.model), feed(0))];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);
  });
});

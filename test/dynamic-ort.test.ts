// Dynamic quantization end to end in onnxruntime-node, with no calibration data: MatMul on a
// 3-D activation, Gemm with alpha/beta/transB, Conv (int8 weights through Cast -> Mul or
// DequantizeLinear, ConvInteger, or float) and an embedding Gather, from an opset 9 model;
// outputs close to fp32, the MatMul chain fused by onnxruntime into DynamicQuantizeMatMul, and
// the int8 Conv weights exact: the same output as fp32 with the dequantized weights in place.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseTensorQParams, dequantize, quantize } from '../src/core/index.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import { readModel } from '../src/onnx/index.js';
import { runDynamicRecipe } from '../src/ptq/quantize-dynamic.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';

const wave = (n: number, f: number, scale = 1) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * scale);

function model(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [2, 5, 8]);
  b.input('m', 'float32', [4, 8]);
  b.input('img', 'float32', [1, 3, 8, 8]);
  b.input('ids', 'int64', [2, 3]);
  b.initializer('w1', 'float32', [8, 16], wave(128, 0.37));
  b.initializer('w2', 'float32', [16, 8], wave(128, 0.53));
  b.initializer('c2', 'float32', [16], wave(16, 1.1));
  b.initializer('w3', 'float32', [4, 3, 3, 3], wave(108, 0.29, 0.3));
  b.initializer('b3', 'float32', [4], [0.1, -0.2, 0.3, 0]);
  b.initializer('table', 'float32', [10, 8], wave(80, 0.71, 2));
  b.output(b.op('MatMul', ['x', 'w1']), 'float32');
  const gemm = [attr.int('transB', 1), attr.float('alpha', 0.5), attr.float('beta', 2)];
  b.output(b.op('Gemm', ['m', 'w2', 'c2'], gemm), 'float32');
  b.output(b.op('Conv', ['img', 'w3', 'b3'], [attr.ints('pads', [1, 1, 1, 1])]), 'float32');
  b.output(b.op('Gather', ['table', 'ids']), 'float32');
  return b.bytes(9, 7);
}

const feeds: Record<string, RuntimeTensor> = {
  x: { type: 'float32', dims: [2, 5, 8], data: wave(80, 0.91) },
  m: { type: 'float32', dims: [4, 8], data: wave(32, 1.3) },
  img: { type: 'float32', dims: [1, 3, 8, 8], data: wave(192, 0.17) },
  ids: { type: 'int64', dims: [2, 3], data: BigInt64Array.of(0n, 3n, 9n, 4n, 4n, 1n) },
};

async function outputs(bytes: Uint8Array, optimizedModelPath?: string) {
  const session = await createSession(
    bytes,
    optimizedModelPath === undefined ? {} : { optimizedModelPath },
  );
  const out = await session.run(feeds);
  await session.release();
  return session.outputNames.map((name) => out[name]!.data as Float32Array);
}

describe('runDynamicRecipe in onnxruntime-node', () => {
  it('needs no calibration data, and every output stays within 2% of the fp32 range', async () => {
    const fp32 = model();
    const want = await outputs(fp32);
    const convForms = {
      float: [],
      'cast-mul': ['Conv:int8 weight -> Cast -> Mul -> Conv'],
      dequantize: ['Conv:int8 weight -> DequantizeLinear -> Conv'],
      integer: ['Conv:ConvInteger'],
    };
    for (const conv of ['float', 'cast-mul', 'dequantize', 'integer'] as const) {
      const { bytes, report } = runDynamicRecipe(fp32, { conv });
      expect(report.opset).toEqual({ from: 9, to: 13 });
      const forms = report.nodes.map((n) => `${n.opType}:${n.form}`);
      expect(forms).toEqual([
        'MatMul:MatMulInteger',
        'Gemm:MatMulInteger',
        'Gather:Gather int8 rows',
        ...convForms[conv],
      ]);
      const keptFloat = report.skipped.filter((n) => n.opType === 'Conv');
      expect(keptFloat.map((n) => n.reason)).toEqual(
        conv === 'float' ? ['asked for: conv float'] : [],
      );
      const got = await outputs(bytes);
      got.forEach((out, o) => {
        const range = Math.max(...want[o]!.map(Math.abs));
        out.forEach((v, i) => expect(Math.abs(v - want[o]![i]!)).toBeLessThan(0.02 * range));
      });
    }
  });

  it('onnxruntime runs the MatMul chains as DynamicQuantizeMatMul', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zeropoint-dynamic-'));
    try {
      const file = path.join(dir, 'optimized.onnx');
      await outputs(runDynamicRecipe(model()).bytes, file);
      const nodes = readModel(readFileSync(file)).graph!.node;
      const ops = nodes.map((n) => n.opType);
      expect(ops.filter((op) => op === 'DynamicQuantizeMatMul')).toHaveLength(2);
      expect(ops).not.toContain('MatMulInteger');
      // The default Conv form: onnxruntime folds Cast -> Mul of the int8 weight at load.
      const convs = nodes.filter((n) => n.opType === 'Conv');
      expect(convs).toHaveLength(1);
      const produced = new Set(nodes.flatMap((n) => n.output));
      expect(produced.has(convs[0]!.input[1]!)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('int8 Conv weights are exact: the output of fp32 with the dequantized weights in place', async () => {
    // A Conv with bias, then a depthwise Conv (group = channels), weights of different ranges.
    const w1 = wave(216, 0.41, 0.5).map((v, i) => v * (1 + Math.floor(i / 36)));
    const w2 = wave(54, 0.23, 2);
    const convs = (first: Float32Array, second: Float32Array) => {
      const b = new ModelBuilder();
      b.input('img', 'float32', [1, 4, 8, 8]);
      b.initializer('w1', 'float32', [6, 4, 3, 3], first);
      b.initializer('b1', 'float32', [6], wave(6, 0.9));
      b.initializer('w2', 'float32', [6, 1, 3, 3], second);
      const pads = attr.ints('pads', [1, 1, 1, 1]);
      const y = b.op('Conv', ['img', 'w1', 'b1'], [pads]);
      b.output(b.op('Conv', [y, 'w2'], [pads, attr.int('group', 6)]), 'float32');
      return b.bytes(13);
    };
    const int8 = (w: Float32Array, shape: number[]) => {
      const params = chooseTensorQParams(
        w,
        shape,
        { qtype: 'int8', scheme: 'symmetric' },
        { kind: 'per-axis', axis: 0 },
      );
      return dequantize(quantize(w, shape, params), shape, params);
    };
    const img = wave(256, 0.13);
    const run = async (bytes: Uint8Array) => {
      const session = await createSession(bytes, { threads: 1 });
      const out = await session.run({ img: { type: 'float32', dims: [1, 4, 8, 8], data: img } });
      await session.release();
      return out[session.outputNames[0]!]!.data as Float32Array;
    };
    const fp32 = convs(w1, w2);
    const want = await run(convs(int8(w1, [6, 4, 3, 3]), int8(w2, [6, 1, 3, 3])));
    const castMul = runDynamicRecipe(fp32, { conv: 'cast-mul' });
    expect(castMul.report.nodes).toHaveLength(2);
    expect(Array.from(await run(castMul.bytes))).toEqual(Array.from(want));
    // DequantizeLinear runs at each inference: the same weights, another Conv kernel path.
    const dq = await run(runDynamicRecipe(fp32, { conv: 'dequantize' }).bytes);
    const range = Math.max(...want.map(Math.abs));
    dq.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6 * range));
    // And int8 weights differ from fp32's (the test can fail).
    const float = await run(fp32);
    expect(float.some((v, i) => v !== want[i])).toBe(true);
  });

  it('records its choices in the metadata', () => {
    const meta = readModel(runDynamicRecipe(model()).bytes).metadataProps;
    expect(meta.map((p) => [p.key, JSON.parse(p.value) as unknown])).toEqual([
      ['zeropoint.dynamic', { conv: 'cast-mul', weightType: 'int8' }],
    ]);
  });
});

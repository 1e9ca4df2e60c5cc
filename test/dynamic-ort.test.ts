// Dynamic quantization end to end in onnxruntime-node, with no calibration data: MatMul on a
// 3-D activation, Gemm with alpha/beta/transB, Conv (float, or ConvInteger when asked) and an
// embedding Gather, from an opset 9 model; outputs close to fp32, and the MatMul chain fused
// by onnxruntime into DynamicQuantizeMatMul.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import { readModel } from '../src/onnx/index.js';
import { quantizeDynamic } from '../src/ptq/quantize-dynamic.js';
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

describe('quantizeDynamic in onnxruntime-node', () => {
  it('needs no calibration data, and every output stays within 2% of the fp32 range', async () => {
    const fp32 = model();
    const want = await outputs(fp32);
    for (const conv of ['float', 'integer'] as const) {
      const { bytes, report } = quantizeDynamic(fp32, { conv });
      expect(report.opset).toEqual({ from: 9, to: 13 });
      const forms = report.nodes.map((n) => `${n.opType}:${n.form}`);
      expect(forms).toEqual([
        'MatMul:MatMulInteger',
        'Gemm:MatMulInteger',
        'Gather:Gather int8 rows',
        ...(conv === 'integer' ? ['Conv:ConvInteger'] : []),
      ]);
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
      await outputs(quantizeDynamic(model()).bytes, file);
      const ops = readModel(readFileSync(file)).graph!.node.map((n) => n.opType);
      expect(ops.filter((op) => op === 'DynamicQuantizeMatMul')).toHaveLength(2);
      expect(ops).not.toContain('MatMulInteger');
      expect(ops.filter((op) => op === 'Conv')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records its choices in the metadata', () => {
    const meta = readModel(quantizeDynamic(model()).bytes).metadataProps;
    expect(meta.map((p) => [p.key, JSON.parse(p.value) as unknown])).toEqual([
      ['zeropoint.dynamic', { conv: 'float', weightType: 'int8' }],
    ]);
  });
});

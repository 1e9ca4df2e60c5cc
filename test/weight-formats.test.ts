// Weight-only forms chosen per MatMul shape on a small GPT-like MatMul stack: every shape timed
// in each candidate form, the choice the fastest (or an int4 form within 5 % of it), and a model
// mixing MatMulNBits, blocked DequantizeLinear and int8 weights that runs close to fp32.
import { describe, expect, it } from 'vitest';
import { chooseWeightFormats } from '../src/advise/weight-formats.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { readModel } from '../src/onnx/index.js';
import { runWeightsRecipe } from '../src/ptq/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';

/** Pseudo-random values in [-s, s) from seed `f` (sines of a multiple of i would cancel in sums). */
function wave(n: number, f: number, s = 0.1): Float32Array {
  let state = Math.floor(f * 1e6) >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * s;
  });
}

/** x [4, 64] -> up [64, 128] -> Relu -> down [128, 64] -> up2 [64, 128]: two shapes. */
function stack(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [4, 64]);
  b.initializer('up', 'float32', [64, 128], wave(64 * 128, 0.37));
  b.initializer('down', 'float32', [128, 64], wave(128 * 64, 0.53));
  b.initializer('up2', 'float32', [64, 128], wave(64 * 128, 0.71));
  const h = b.op('Relu', [b.op('MatMul', ['x', 'up'])]);
  b.output(b.op('MatMul', [b.op('MatMul', [h, 'down']), 'up2']), 'float32');
  return b.bytes(13, 8);
}

const x = { type: 'float32' as const, dims: [4, 64], data: wave(256, 0.29, 1) };

async function output(bytes: Uint8Array): Promise<Float32Array> {
  const session = await createSession(bytes, { threads: 1 });
  const out = await session.run({ x });
  await session.release();
  return out[session.outputNames[0]!]!.data as Float32Array;
}

describe('chooseWeightFormats', () => {
  it("times the forms with RTN codes: the run's GPTQ statistics do not cover its one-MatMul models", async () => {
    // `quantize --weights int4 --calib` passes GPTQ and the real model's statistics.
    const gptq = { bits: 4 as const, algorithm: 'gptq' as const, statistics: new Map() };
    const { shapes } = await chooseWeightFormats(stack(), gptq, { rows: 4, runs: 1 });
    expect(shapes).toHaveLength(2);
  });

  it('times every shape in each form and takes the fastest, or an int4 form within 5 % of it (MatMulNBits first)', async () => {
    const { shapes, choices } = await chooseWeightFormats(
      stack(),
      { bits: 4 },
      { rows: 4, runs: 5 },
    );
    expect(shapes.map((s) => [s.k, s.n, s.weights])).toEqual([
      [64, 128, ['up', 'up2']],
      [128, 64, ['down']],
    ]);
    for (const s of shapes) {
      expect(s.timings.map((t) => `${t.format} ${t.bits}`)).toEqual([
        'matmulnbits 4',
        'qdq 4',
        'qdq 8',
      ]);
      const fastest = Math.min(...s.timings.map((t) => t.latency));
      const chosen = s.timings.find(
        (t) => t.format === s.chosen.format && t.bits === s.chosen.bits,
      )!;
      const near = s.timings.filter((t) => t.bits === 4 && t.latency <= fastest * 1.05);
      expect(chosen.bits === 4).toBe(near.length > 0);
      if (near.some((t) => t.format === 'matmulnbits')) expect(chosen.format).toBe('matmulnbits');
      expect(chosen.latency).toBeLessThanOrEqual(fastest * 1.05);
      for (const w of s.weights) expect(choices[w]).toEqual(s.chosen);
    }
  });

  it('a model mixing the three forms runs close to fp32', async () => {
    const fp32 = stack();
    const choices = {
      up: { format: 'matmulnbits', bits: 4 },
      down: { format: 'qdq', bits: 8 },
      up2: { format: 'qdq', bits: 4 },
    } as const;
    const { bytes, report } = runWeightsRecipe(fp32, { bits: 4, choices });
    expect(report.weights.map((w) => w.weight).sort()).toEqual(['down', 'up', 'up2']);
    const ops = readModel(bytes).graph!.node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'MatMulNBits')).toHaveLength(1);
    expect(ops.filter((o) => o === 'DequantizeLinear')).toHaveLength(2);
    const [want, got] = [await output(fp32), await output(bytes)];
    const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((t, v) => t + v * v, 0));
    const error = norm(got.map((v, i) => v - want[i]!));
    expect(error).toBeLessThan(0.1 * norm(want));
    expect(error).toBeGreaterThan(0); // quantized: not the float model itself
  });
});

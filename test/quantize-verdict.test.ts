// The verdict at the end of a quantize run, through the library: a static run's variants (the
// default build, the integer ops that do not pay off kept float and, with --prefer size, the
// other recipes' outputs that follow fp32 as closely) and a weight-only run's
// (the run's form and the form measured per shape) timed against fp32 and one chosen.
import { describe, expect, it } from 'vitest';
import { judgeStatic, judgeWeights } from '../src/advise/quantize-verdict.js';
import { weighedExcludes } from '../src/advise/op-payoff.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import { runStaticRecipe, runWeightsRecipe } from '../src/ptq/index.js';

const wave = (n: number, f: number, s = 1) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * s);

function convNet(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [1, 3, 16, 16]);
  b.initializer('w1', 'float32', [8, 3, 3, 3], wave(216, 0.3));
  b.initializer('w2', 'float32', [4, 8, 1, 1], wave(32, 0.7));
  const c1 = b.op('Conv', ['x', 'w1'], [attr.ints('pads', [1, 1, 1, 1])]);
  const pool = b.op(
    'MaxPool',
    [c1],
    [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
  );
  b.output(b.op('GlobalAveragePool', [b.op('Conv', [pool, 'w2'])]), 'float32');
  return b.bytes(13, 8);
}

const image = { x: { type: 'float32' as const, dims: [1, 3, 16, 16], data: wave(768, 0.11) } };

describe('judgeStatic', () => {
  it('times the default build and its float-op variant against fp32 and returns the chosen bytes', async () => {
    const fp32 = convNet();
    const options = { alsoCalibrate: weighedExcludes() };
    const result = await runStaticRecipe(fp32, [image, image], options);
    const judged = await judgeStatic(fp32, result, options, image, { prefer: 'size', runs: 5 });
    const labels = judged.verdict.candidates.map((c) => c.label);
    expect(labels[0]).toBe('int8');
    // --prefer size weighs the other recipes too; those admitted are candidates after the static.
    const modes = judged.verdict.modes!;
    expect(modes.checks.map((c) => c.label)).toEqual(['dynamic int8', 'int8 weights only']);
    const others = modes.admitted.map((a) => a.label);
    expect(labels).toEqual([
      'int8',
      ...(judged.payoff.bytes === undefined ? [] : [labels[1]]),
      ...others,
    ]);
    expect(labels).toContain(judged.verdict.chosen);
    const chosen = judged.verdict.candidates.find((c) => c.label === judged.verdict.chosen)!;
    expect(judged.bytes.length).toBe(chosen.bytes);
    expect(judged.verdict.words).toMatch(/smaller/);
  });
});

describe('judgeWeights', () => {
  it('adds the per-shape form and MatMulNBits throughout as candidates when the run did not fix the format', async () => {
    const b = new ModelBuilder();
    b.input('x', 'float32', [1, 64]);
    b.initializer('w', 'float32', [64, 128], wave(64 * 128, 0.37, 0.1));
    b.output(b.op('MatMul', ['x', 'w']), 'float32');
    const fp32 = b.bytes(13, 8);
    const { bytes } = runWeightsRecipe(fp32, { bits: 4 });
    const feeds = { x: { type: 'float32' as const, dims: [1, 64], data: wave(64, 0.2) } };
    const judged = await judgeWeights(fp32, bytes, { bits: 4 }, feeds, { runs: 5 });
    expect(judged.verdict.candidates.map((c) => c.label)).toEqual([
      'int4',
      'int4, form per shape',
      'int4, MatMulNBits',
    ]);
    expect(judged.shapes).toHaveLength(1);
    expect(judged.verdict.chosen).toBeDefined();
  });
});

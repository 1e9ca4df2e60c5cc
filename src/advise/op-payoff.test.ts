import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { runStaticRecipe } from '../ptq/index.js';
import { weighedExcludes, weighIntegerOps } from './op-payoff.js';

const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f));

function model(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 3, 16, 16]);
  const c1 = b.op(
    'Conv',
    [x, b.initializer('w1', 'float32', [8, 3, 3, 3], wave(216, 0.3))],
    [attr.ints('pads', [1, 1, 1, 1])],
  );
  const pool = b.op(
    'MaxPool',
    [c1],
    [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
  );
  const c2 = b.op('Conv', [pool, b.initializer('w2', 'float32', [8, 8, 1, 1], wave(64, 0.7))]);
  const sum = b.op('Add', [c2, pool]);
  b.output(b.op('Conv', [sum, b.initializer('w3', 'float32', [2, 8, 1, 1], wave(16, 0.9))]));
  return b.bytes();
}

/** Conv -> Mul(x, x) -> Div by 6 -> Conv: the Div folds into the QLinearMul's output scale. */
function scaled(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 3, 16, 16]);
  const c1 = b.op('Conv', [x, b.initializer('w1', 'float32', [8, 3, 3, 3], wave(216, 0.3))]);
  const sq = b.op('Mul', [c1, c1]);
  const sixth = b.op('Div', [sq, b.initializer('six', 'float32', [], [6])]);
  const c2 = b.op('Conv', [sixth, b.initializer('w2', 'float32', [2, 8, 1, 1], wave(16, 0.7))]);
  b.output(b.op('GlobalAveragePool', [c2]));
  return b.bytes();
}

const feeds = { x: { type: 'float32' as const, dims: [1, 3, 16, 16], data: wave(768, 0.11) } };

describe('weighIntegerOps', () => {
  it('times each integer op type kept float against the default build, from one calibration', async () => {
    const fp32 = model();
    const base = await runStaticRecipe(fp32, [feeds, feeds], { alsoCalibrate: weighedExcludes() });
    const cache = base.calibration;
    const result = await weighIntegerOps(fp32, base.bytes, { cache }, feeds, {
      runs: 5,
    });
    expect(result.ops.map((o) => [o.op, o.nodes])).toEqual([
      ['MaxPool', 1],
      ['Add', 1],
    ]);
    for (const o of result.ops) expect(o.keepFloat).toBe(o.latency < 0.98);
    expect(result.exclude).toEqual(result.ops.filter((o) => o.keepFloat).map((o) => o.op));
    expect(result.bytes === undefined).toBe(result.exclude.length === 0);
  });

  it('alsoCalibrate covers the tensors of every float variant and keeps the default build', async () => {
    const fp32 = scaled();
    const plain = await runStaticRecipe(fp32, [feeds], {});
    const wide = await runStaticRecipe(fp32, [feeds], { alsoCalibrate: weighedExcludes() });
    expect(wide.bytes).toEqual(plain.bytes);
    const calibrated = new Set(wide.calibration.tensors);
    expect(plain.calibration.tensors.every((t) => calibrated.has(t))).toBe(true);
    expect(calibrated.size).toBeGreaterThan(plain.calibration.tensors.length);
    for (const exclude of weighedExcludes()) {
      const cache = wide.calibration;
      await expect(runStaticRecipe(fp32, undefined, { cache, exclude })).resolves.toBeDefined();
    }
    await expect(
      runStaticRecipe(fp32, undefined, { cache: plain.calibration, exclude: ['Mul'] }),
    ).rejects.toThrow(/does not cover/);
    // weighIntegerOps on that short cache leaves Mul integer, unweighed, rather than failing.
    const short = await weighIntegerOps(fp32, plain.bytes, { cache: plain.calibration }, feeds);
    expect(short).toEqual({ ops: [], exclude: [], bytes: undefined });
  });
});

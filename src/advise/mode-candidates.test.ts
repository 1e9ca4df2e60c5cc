// The other recipes as verdict candidates of a static run: each admitted exactly when its outputs
// follow fp32 on the samples at least as closely as the static build's and it is not much larger.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { runStaticRecipe } from '../ptq/index.js';
import { compareOutputs } from '../ptq/output-agreement.js';
import { otherModeCandidates } from './mode-candidates.js';

const wave = (n: number, f: number, s = 1) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * s);

/** x [4, 64] -> MatMul [64, 64] -> Relu -> MatMul [64, 16]. */
function mlp(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [4, 64]);
  b.initializer('w1', 'float32', [64, 64], wave(64 * 64, 0.37, 0.1));
  b.initializer('w2', 'float32', [64, 16], wave(64 * 16, 0.91, 0.1));
  b.output(b.op('MatMul', [b.op('Relu', [b.op('MatMul', ['x', 'w1'])]), 'w2']), 'float32');
  return b.bytes(13, 8);
}

const sample = (f: number) => ({
  x: { type: 'float32' as const, dims: [4, 64], data: wave(256, f) },
});
const samples = [sample(0.11), sample(0.23), sample(0.05)];

describe('otherModeCandidates', () => {
  it('admits a recipe iff its worst SQNR is at least static int8s and it is at most 10 % larger', async () => {
    const fp32 = mlp();
    const built = await runStaticRecipe(fp32, samples, {});
    const result = await otherModeCandidates(fp32, built.bytes, samples);
    const [reference] = await compareOutputs(fp32, built.bytes, samples);
    expect(result.staticSqnrDb).toBeCloseTo(reference!.sqnrDb, 6);
    expect(result.samples).toBe(3);
    expect(result.checks.map((c) => c.label)).toEqual(['dynamic int8', 'int8 weights only']);
    for (const c of result.checks) {
      const ok = c.sqnrDb! >= result.staticSqnrDb && c.bytes! <= built.bytes.length * 1.1;
      expect(c.admitted).toBe(ok);
    }
    expect(result.admitted.map((a) => a.label)).toEqual(
      result.checks.filter((c) => c.admitted).map((c) => c.label),
    );
  });

  it('admits nothing against an exact reference (fp32 itself: infinite SQNR)', async () => {
    const fp32 = mlp();
    const result = await otherModeCandidates(fp32, fp32, samples);
    expect(result.staticSqnrDb).toBe(Infinity);
    expect(result.checks.every((c) => Number.isFinite(c.sqnrDb!) && !c.admitted)).toBe(true);
    expect(result.admitted).toEqual([]);
  });
});

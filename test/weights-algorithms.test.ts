// The weight-only algorithms end to end through the public API and onnxruntime-node: a
// LayerNorm -> MatMul -> Gelu -> MatMul block with correlated inputs, calibrated by
// weightStatistics; GPTQ's model beats RTN's output error on held-out inputs, AWQ lowers its
// layers' calibration error and folds 1/s into the LayerNorm, HQQ needs no data, the report
// names the algorithm and why, the bytes are the same twice, and int4 with calibration writes
// the candidate that scored best on the held-out quarter, built from every sample.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../src/core/index.js';
import { quantizeWeights } from '../src/api/index.js';
import { weightStatistics } from '../src/api/weight-statistics.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { buildGraph, readModel } from '../src/onnx/index.js';
import type { Feeds } from '../src/ptq/index.js';
import { ALGORITHM_DEFAULTS } from '../src/ptq/weight-algorithm.js';
import { candidateOptions, scoresBetter, weightCandidates } from '../src/ptq/weight-selection.js';
import { createSession } from '../src/runtime/onnxruntime.js';

const [T, K, H] = [16, 64, 96];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32 - 0.5;
}

function model(): Uint8Array {
  const g = lcg(11);
  const b = new ModelBuilder();
  b.input('x', 'float32', [1, T, K]);
  b.initializer(
    'gamma',
    'float32',
    [K],
    Array.from({ length: K }, (_, i) => (i % 11 ? 1 : 6)),
  );
  b.initializer(
    'beta',
    'float32',
    [K],
    Array.from({ length: K }, () => 0.1 * g()),
  );
  b.initializer(
    'w1',
    'float32',
    [K, H],
    Array.from({ length: K * H }, () => 0.3 * g()),
  );
  b.initializer(
    'w2',
    'float32',
    [H, K],
    Array.from({ length: H * K }, () => 0.3 * g()),
  );
  const ln = b.op('LayerNormalization', ['x', 'gamma', 'beta']);
  const h = b.op('Relu', [b.op('MatMul', [ln, 'w1'])]);
  b.output(b.op('MatMul', [h, 'w2']), 'float32', [1, T, K]);
  return b.bytes(17);
}

/** Samples whose channels mix 3 sources (correlated, as real activations are). */
function samples(count: number, seed: number): Feeds[] {
  const g = lcg(seed);
  const mix = Array.from({ length: 3 * K }, g);
  return Array.from({ length: count }, () => {
    const data = new Float32Array(T * K);
    for (let t = 0; t < T; t++) {
      const src = [g(), g(), g()];
      for (let i = 0; i < K; i++) {
        data[t * K + i] =
          4 * (src[0]! * mix[i]! + src[1]! * mix[K + i]! + src[2]! * mix[2 * K + i]!) + 0.2 * g();
      }
    }
    return { x: { type: 'float32' as const, dims: [1, T, K], data } };
  });
}

async function outputs(bytes: Uint8Array, feeds: readonly Feeds[]): Promise<Float32Array[]> {
  const session = await createSession(bytes, { threads: 1 });
  const out: Float32Array[] = [];
  for (const f of feeds) out.push(Object.values(await session.run(f))[0]!.data as Float32Array);
  await session.release();
  return out;
}

function error(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let e = 0;
  a.forEach((x, i) => x.forEach((v, j) => (e += (v - b[i]![j]!) ** 2)));
  return e;
}

describe('weight-only algorithms through quantizeWeights', () => {
  const fp32 = model();
  const heldOut = samples(8, 99);

  it('GPTQ beats RTN on held-out inputs, AWQ on its calibration objective; HQQ needs no data', async () => {
    const statistics = await weightStatistics(fp32, samples(24, 5), {});
    const reference = await outputs(fp32, heldOut);
    const errors = new Map<string, number>();
    for (const scheme of ['asymmetric', 'symmetric'] as const) {
      for (const algorithm of ['rtn', 'gptq', 'awq', 'hqq'] as const) {
        const { model: bytes, report } = await quantizeWeights(fp32, {
          bits: 4,
          scheme,
          algorithm,
          ...(algorithm === 'rtn' || algorithm === 'hqq' ? {} : { statistics }),
        });
        expect(report.algorithm.name).toBe(algorithm);
        errors.set(`${scheme} ${algorithm}`, error(reference, await outputs(bytes, heldOut)));
        if (algorithm === 'awq') {
          // The first group's 1/s goes into the LayerNorm; after Relu it needs a Mul in front.
          const folds = report.algorithm.awq!.map((g) => g.fold);
          expect(folds[0]).toBe('LayerNormalization');
          expect(report.algorithm.awq![0]!.errorRatio).toBeLessThan(1);
          const ops = buildGraph(readModel(bytes)).nodes.map((n) => n.opType);
          const muls = ops.filter((op) => op === 'Mul').length;
          expect(muls).toBe(folds.filter((f) => f === 'Mul in front').length);
        }
      }
      const rtn = errors.get(`${scheme} rtn`)!;
      expect(errors.get(`${scheme} gptq`)!).toBeLessThan(rtn);
      // AWQ minimises each layer's error on the calibration data, not the model's on new data:
      // the report's ratio is checked below, the model's error only to stay near RTN's.
      expect(errors.get(`${scheme} awq`)!).toBeLessThan(1.25 * rtn);
    }
    const again = await quantizeWeights(fp32, { bits: 4, algorithm: 'gptq', statistics });
    const once = await quantizeWeights(fp32, { bits: 4, algorithm: 'gptq', statistics });
    expect(again.model).toEqual(once.model);
    // int8 with calibration: the fixed default, on statistics of every sample.
    const int8 = await quantizeWeights(fp32, { bits: 8, calibration: samples(24, 5) });
    expect(int8.model).toEqual(
      (await quantizeWeights(fp32, { bits: 8, algorithm: 'gptq', statistics })).model,
    );
    expect(int8.report.algorithm.name).toBe(ALGORITHM_DEFAULTS.withStatistics);
    expect(int8.report.algorithm.reason).toMatch(/calibration data/);
    expect(int8.report.algorithm.selection).toBeUndefined();
  });

  it('int4 with calibration: HQQ by default; --algorithm auto writes the best candidate on the held-out quarter, rebuilt from all samples', async () => {
    const calibration = samples(24, 5);
    const statistics = await weightStatistics(fp32, calibration, {});
    // The measured default for asymmetric int4 reads no data.
    const byDefault = await quantizeWeights(fp32, { bits: 4, calibration });
    expect(byDefault.report.algorithm).toEqual({
      name: ALGORITHM_DEFAULTS.int4WithCalibration,
      reason: ALGORITHM_DEFAULTS.reason.int4WithCalibration,
    });
    expect(byDefault.model).toEqual(
      (await quantizeWeights(fp32, { bits: 4, algorithm: 'hqq' })).model,
    );
    const chosen = await quantizeWeights(fp32, { bits: 4, calibration, select: true });
    const selection = chosen.report.algorithm.selection!;
    const candidates = weightCandidates('asymmetric');
    expect(selection.candidates.map((c) => c.label)).toEqual(candidates.map((c) => c.label));
    expect([selection.trainBatches, selection.heldOutBatches]).toEqual([18, 6]);
    // The chosen one scores best (the earliest on a tie).
    const index = selection.candidates.findIndex((c) => c.label === selection.chosen);
    selection.candidates.forEach((c, i) => {
      expect(scoresBetter(c, selection.candidates[index]!)).toBe(false);
      if (i < index) expect(scoresBetter(selection.candidates[index]!, c)).toBe(true);
    });
    expect(chosen.report.algorithm.reason).toMatch(/held-out calibration batch/);
    // What is written is the chosen candidate built from the statistics of all 24 samples.
    const forced = await quantizeWeights(fp32, {
      ...candidateOptions({ bits: 4 }, candidates[index]!),
      statistics,
    });
    expect(chosen.model).toEqual(forced.model);
    // A scheme asked for gives that scheme's candidates.
    const sym = await quantizeWeights(fp32, {
      bits: 4,
      scheme: 'symmetric',
      calibration,
      select: true,
    });
    expect(sym.report.scheme).toBe('symmetric');
    expect(sym.report.algorithm.selection!.candidates.map((c) => c.label)).toContain('rtn sym');
    // auto without calibration data, or with one batch, names what it needs.
    const [bare, one] = await Promise.all([
      quantizeWeights(fp32, { bits: 4, select: true }).catch((e: unknown) => e),
      quantizeWeights(fp32, { bits: 4, select: true, calibration: samples(1, 5) }).catch(
        (e: unknown) => e,
      ),
    ]);
    expect(isZeropointError(bare, 'bad-argument')).toBe(true);
    expect((bare as Error).message).toMatch(/auto.*--calib/);
    expect(isZeropointError(one, 'bad-argument')).toBe(true);
    expect((one as Error).message).toMatch(/--algorithm auto holds out 1 of 1/);
  });

  it('without calibration data the default is RTN, and GPTQ/AWQ say they need --calib', async () => {
    const { report } = await quantizeWeights(fp32, { bits: 4 });
    expect(report.algorithm).toEqual({
      name: 'rtn',
      reason: ALGORITHM_DEFAULTS.reason.withoutStatistics,
    });
    for (const algorithm of ['gptq', 'awq'] as const) {
      const failure = await quantizeWeights(fp32, { bits: 4, algorithm }).catch((e: unknown) => e);
      expect(isZeropointError(failure, 'bad-argument')).toBe(true);
      expect((failure as Error).message).toMatch(/--calib/);
    }
  });
});

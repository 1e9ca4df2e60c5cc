// The wake-word benchmark's committed data and metric: the calibration windows and held-out
// clips are well-formed, the real fp32 openWakeWord pipeline detects hey jarvis / alexa /
// hey mycroft on the held-out clips, and the statically quantized embedding model keeps that
// accuracy. Needs no espeak-ng: the data is read from data/wakeword.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../src/cli/io/npy.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { readModel } from '../src/onnx/index.js';
import { modelInputs, runStaticRecipe } from '../src/ptq/index.js';
import type { OcrMetric } from '../bench/ocr/index.js';
import { ortRunner } from '../bench/ocr/ort.js';
import { WAKE_WORDS, embeddingWindows } from '../bench/wakeword/features.js';
import { DATA_DIR, evalSet, wakewordBench } from '../bench/wakeword/index.js';

/** Clips the tests score: all 240, as the benchmark does (at 120 one clip is 0.8 points of a word). */
const CLIPS = 240;
const accuracies = (m: OcrMetric): number[] =>
  WAKE_WORDS.map((w) => m.details[`${w.word} accuracy`]!);

describe('committed wake-word data (data/wakeword)', () => {
  it('calibration files hold [n, 76, 32, 1] embedding-model windows, 48 in all', () => {
    const feeds = wakewordBench.calibrationInputs(Infinity);
    expect(feeds.map(([t]) => t!.dims.slice(1))).toEqual(feeds.map(() => [76, 32, 1]));
    expect(feeds.reduce((n, [t]) => n + t!.dims[0]!, 0)).toBe(48);
  });

  it('held-out clips: 48 of each wake word and 96 negatives, every prefix of 10 mixed', () => {
    const { clips, lead } = evalSet();
    expect(clips).toHaveLength(CLIPS);
    for (const w of WAKE_WORDS) expect(clips.filter((c) => c.label === w.word)).toHaveLength(48);
    expect(new Set(clips.slice(0, 10).map((c) => c.label)).size).toBe(4);
    for (const c of clips.slice(0, 5)) {
      const { shape } = parseNpy(readFileSync(join(DATA_DIR, 'eval', c.file)), c.file);
      expect(shape[1]).toBe(32);
    }
    expect(embeddingWindows(lead).dims.slice(1)).toEqual([76, 32, 1]);
  });
});

describe('openWakeWord on held-out synthesized speech', () => {
  let fp32: Promise<OcrMetric> | undefined;
  const evaluateFp32 = async (): Promise<OcrMetric> =>
    wakewordBench.evaluate(await ortRunner(wakewordBench.modelPath), CLIPS);

  it('fp32: detection accuracy > 0.95, each wake word > 0.92', async () => {
    const m = await (fp32 ??= evaluateFp32());
    expect(m.value).toBeGreaterThan(0.95);
    for (const a of accuracies(m)) expect(a).toBeGreaterThan(0.92);
    expect(m.details['mean |score - fp32|']).toBe(0);
  });

  it('static INT8 (percentile, asymmetric) keeps each wake word within 2.5 points', async () => {
    const base = await (fp32 ??= evaluateFp32());
    const bytes = new Uint8Array(readFileSync(wakewordBench.modelPath));
    const batches = readCalibrationData(join(DATA_DIR, 'calib'), modelInputs(readModel(bytes)), {});
    const int8 = await runStaticRecipe(bytes, batches);
    expect(int8.bytes.length).toBeLessThan(bytes.length / 3);
    const m = await wakewordBench.evaluate(await ortRunner(int8.bytes), CLIPS);
    expect(m.value).toBeGreaterThan(base.value - 0.02);
    const before = accuracies(base);
    accuracies(m).forEach((a, k) => expect(a).toBeGreaterThan(before[k]! - 0.025));
    expect(m.details['mean |score - fp32|']).toBeGreaterThan(0);
    expect(m.details['mean |score - fp32|']).toBeLessThan(0.02);
  });
});

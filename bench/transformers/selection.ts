// `npm run bench -- weight-selection`: does choosing the int4 algorithm on held-out calibration
// samples track held-out accuracy? For each transformer and each of ZP_FOLDS (4) rotations of
// its 32 calibration samples (the last quarter held out, as quantizeWeights does), every
// candidate of `--algorithm auto` is built from the other samples' statistics and scored on the
// held-out quarter (top-1 agreement, worst SQNR: ptq/weight-selection.ts); its accuracy on the
// model's test set is measured both as built there and rebuilt from all 32 samples. Prints,
// per fold, the candidate chosen and the test accuracy it gets, beside every candidate's. Figures only.
import { writeFileSync } from 'node:fs';
import type { Feeds } from '../../src/ptq/batches.js';
import { runWeightsRecipe, type WeightsOptions } from '../../src/ptq/quantize-weights.js';
import { collectWeightActivations } from '../../src/ptq/weight-activations.js';
import {
  candidateOptions,
  selectWeightCandidate,
  weightCandidates,
} from '../../src/ptq/weight-selection.js';
import { buildGraph, readModel } from '../../src/onnx/index.js';
import { findWeightTargets } from '../../src/passes/weight-only-targets.js';
import { printTable } from '../harness.js';
import { calibrationFeeds, metricOf, modelBytes, TRANSFORMERS } from './models.js';

const FOLDS = Number(process.env.ZP_FOLDS ?? 4);
const BASE: WeightsOptions = { bits: 4 };
/** The five asymmetric candidates of `--algorithm auto`, and GPTQ act-order symmetric. */
const WEIGHT_CANDIDATES = [...weightCandidates('asymmetric'), weightCandidates('symmetric')[0]!];

async function statsOf(model: Uint8Array, batches: readonly Feeds[]) {
  const { targets } = findWeightTargets(buildGraph(readModel(model)));
  return collectWeightActivations(model, new Map(targets.map((t) => [t.activation, t.k])), batches);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}`;

export async function run(): Promise<void> {
  const rows: string[][] = [];
  const json: unknown[] = [];
  const pick = process.env.ZP_MODELS;
  for (const m of TRANSFORMERS.filter((x) => pick === undefined || pick.includes(x.name))) {
    const fp32 = modelBytes(m);
    const base = await metricOf(m, fp32);
    const calib = calibrationFeeds(m);
    const held = Math.max(1, Math.round(calib.length / 4));
    // Test accuracy of each candidate calibrated on all samples (fold-independent).
    const allStats = await statsOf(fp32, calib);
    const onAll: number[] = [];
    for (const c of WEIGHT_CANDIDATES) {
      const built = runWeightsRecipe(fp32, { ...candidateOptions(BASE, c), statistics: allStats });
      onAll.push((await metricOf(m, built.bytes)) / base);
    }
    rows.push([m.name, 'all 32', '', ...onAll.map(pct)]);
    for (let fold = 0; fold < FOLDS; fold++) {
      const shift = (fold * held) % calib.length;
      const order = [...calib.slice(shift), ...calib.slice(0, shift)];
      const [train, heldOut] = [order.slice(0, -held), order.slice(-held)];
      const t0 = performance.now();
      const trainStats = await statsOf(fp32, train);
      const { best, scores } = await selectWeightCandidate(
        fp32,
        BASE,
        trainStats,
        heldOut,
        WEIGHT_CANDIDATES,
      );
      const seconds = (performance.now() - t0) / 1000;
      const onTrain: number[] = [];
      for (const c of WEIGHT_CANDIDATES) {
        const built = runWeightsRecipe(fp32, {
          ...candidateOptions(BASE, c),
          statistics: trainStats,
        });
        onTrain.push((await metricOf(m, built.bytes)) / base);
      }
      const chosen = WEIGHT_CANDIDATES.indexOf(best);
      const final = onAll[chosen]!;
      rows.push([
        m.name,
        `fold ${fold} held-out top1`,
        '',
        ...scores.map((s) => (s.top1 === null ? '-' : pct(s.top1))),
      ]);
      rows.push([
        m.name,
        `fold ${fold} held-out dB`,
        '',
        ...scores.map((s) => s.sqnrDb.toFixed(1)),
      ]);
      rows.push([m.name, `fold ${fold} test, on 24`, '', ...onTrain.map(pct)]);
      rows.push([
        m.name,
        `fold ${fold} CHOSEN`,
        `${best.label}: ${pct(onTrain[chosen]!)} / all ${pct(final)} (${seconds.toFixed(1)} s)`,
        ...WEIGHT_CANDIDATES.map((_, i) => (i === chosen ? '*' : '')),
      ]);
      json.push({
        model: m.name,
        fold,
        scores,
        onTrain,
        onAll,
        chosen: best.label,
        final,
        seconds,
      });
      console.error(
        `${m.name} fold ${fold}: ${best.label} ${pct(final)} % (${seconds.toFixed(1)} s)`,
      );
    }
  }
  printTable(['model', 'row', 'chosen', ...WEIGHT_CANDIDATES.map((c) => c.label)], rows);
  console.log(
    'test figures: % of fp32 on the held-out test set; "on 24": calibrated on the fold\'s train split',
  );
  const out = process.argv.find((a) => a.startsWith('--json='))?.slice('--json='.length);
  if (out !== undefined) writeFileSync(out, JSON.stringify(json, null, 1) + '\n');
}

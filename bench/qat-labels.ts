// `npm run bench -- qat-labels [--samples=128] [--holdout=16] [--steps=16] [--batch=8]
// [--lr=1e-5] [--lambda=1] [--eval=200] [--other=400]` (ZP_RUNS=fp32,ptq,distill,ctc,mix picks
// runs, ptq-all is PTQ on every sample: with --samples=16 --holdout=4 npm start's model, byte for
// byte; ZP_RESULTS=FILE appends each run's JSON line): issue 12's recognizer goal with labels.
// PP-OCRv4 recognizer calibrated on rendered lines whose text is known (seed 1): PTQ, --qat by
// distillation, --qat with the example CTC loss module (examples/ppocr-ctc-loss.mjs), and CTC +
// lambda x KL; each scored by character and line accuracy on the project's held-out lines
// (seed 2) and on lines from other sources (bench/ocr/other-sources.ts), with time and peak RSS.
// Run each configuration in its own process for a clean peak. Figures only.
import { appendFileSync, readFileSync } from 'node:fs';
import type { Feeds } from '../src/ptq/index.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import type { LossFunction } from '../src/qat/objective.js';
import { runQatRecipe, type QatResult } from '../src/qat/qat-recipe.js';
// @ts-expect-error: a plain .mjs example without types
import * as ctcModule from '../examples/ppocr-ctc-loss.mjs';
import { CALIBRATION_SEED, recBench, renderLines } from './ocr/index.js';
import { evaluateOtherSources } from './ocr/other-sources.js';
import { ortRunner } from './ocr/ort.js';
import { recClasses, recInput } from './ocr/rec.js';
import { numberFlag } from './harness.js';

const { createCtcLoss } = ctcModule as {
  createCtcLoss: (o: {
    classes: string[];
    labelOf: (s: { index: number }) => string;
    lambda?: number;
  }) => LossFunction;
};

async function score(model: string | Uint8Array, look: number, other: number) {
  const runner = await ortRunner(model);
  const a = await recBench.evaluate(runner, look);
  const b = await evaluateOtherSources(runner, other);
  return {
    lookChar: a.details.charAccuracy!,
    lookLine: a.details.lineAccuracy!,
    otherChar: b.details.charAccuracy!,
    otherLine: b.details.lineAccuracy!,
  };
}

export async function run(): Promise<void> {
  const samples = numberFlag('samples', 128);
  const holdout = numberFlag('holdout', 16);
  const steps = numberFlag('steps', 16);
  const batchSize = numberFlag('batch', 8);
  const lr = numberFlag('lr', 1e-5);
  const lambda = numberFlag('lambda', 1);
  const look = numberFlag('eval', 200);
  const other = numberFlag('other', 400);
  const runs = (process.env.ZP_RUNS ?? 'fp32,ptq,distill,ctc,mix').split(',');
  const modelPath = recBench.modelPath;
  const fp32 = new Uint8Array(readFileSync(modelPath));
  const lines = renderLines(samples, CALIBRATION_SEED);
  const labels = lines.map((l) => l.text);
  const feeds: Feeds[] = lines.map((l) => {
    const t = recInput([l.image]);
    return { x: { type: 'float32', dims: t.dims, data: t.data } };
  });
  const train = feeds.slice(0, samples - holdout);
  const held = feeds.slice(samples - holdout);
  const classes = recClasses();
  const ctc = (k: number) =>
    createCtcLoss({ classes, labelOf: (s) => labels[s.index]!, lambda: k });
  for (const name of runs) {
    const t0 = performance.now();
    let bytes: string | Uint8Array = modelPath;
    let note = '';
    const qat = async (loss: LossFunction | undefined) => {
      const r: QatResult = await runQatRecipe(
        fp32,
        train,
        held,
        {},
        {
          steps,
          batchSize,
          lr,
          evalEvery: 2,
          ...(loss === undefined ? {} : { loss, lossName: 'ppocr-ctc-loss.mjs' }),
          onStep: (s) =>
            console.error(
              `  ${name} step ${s.step}/${s.steps} loss ${s.loss.toPrecision(4)}` +
                (s.heldOutSqnr === undefined ? '' : ` held-out ${s.heldOutSqnr.toFixed(2)} dB`),
            ),
        },
      );
      const q = r.report;
      note =
        `kept ${q.kept} (by ${q.decidedBy}; best step ${q.bestStep}); SQNR ${q.before.toFixed(2)} -> ` +
        `${q.after?.toFixed(2) ?? 'n/a'} dB; loss ${q.lossBefore.toPrecision(4)} -> ${q.lossAfter?.toPrecision(4) ?? 'n/a'}`;
      return r.tuned ?? r.bytes;
    };
    if (name === 'ptq') bytes = (await runStaticRecipe(fp32, train)).bytes;
    else if (name === 'ptq-all') bytes = (await runStaticRecipe(fp32, feeds)).bytes;
    else if (name === 'distill') bytes = await qat(undefined);
    else if (name === 'ctc') bytes = await qat(ctc(0));
    else if (name === 'mix') bytes = await qat(ctc(lambda));
    else if (name !== 'fp32') throw new Error(`unknown run ${name}`);
    const seconds = (performance.now() - t0) / 1000;
    const s = await score(bytes, look, other);
    const row = {
      run: name,
      samples,
      holdout,
      steps,
      batchSize,
      lr,
      ...(name === 'mix' ? { lambda } : {}),
      ...s,
      seconds: Math.round(seconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
      note,
    };
    console.log(JSON.stringify(row));
    if (process.env.ZP_RESULTS !== undefined)
      appendFileSync(process.env.ZP_RESULTS, `${JSON.stringify(row)}\n`);
  }
}

if (process.argv[1]?.endsWith('qat-labels.ts')) await run();

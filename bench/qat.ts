// `npm run bench -- qat [--steps=N] [--samples=N] [--holdout=N] [--eval=N] [--lr=X] [--learn=M]
// [--batch=B] [--accumulate=K] [--clip=X] [--scale-rate=X] [--weight-rate=grid|uniform]
// [--loss=mse|kl] [--eval-every=N]
// [--hard=N] [--profile]`:
// --qat on the PP-OCR recognizer with rendered calibration lines (the last --holdout of them
// held out for SQNR), scored against PTQ and fp32 on --hard lines from other sources (text and
// fonts calibration never saw, ocr/other-sources.ts) and --eval look-alike lines (bench/ocr's
// renderer), with the training time and the process's peak RSS (--profile: executor time by op
// type). Figures only; asserts nothing.
import { readFileSync } from 'node:fs';
import type { Feeds } from '../src/ptq/index.js';
import { runQatRecipe, type LearnMode } from '../src/qat/qat-recipe.js';
import { numberFlag, printTable, textFlag } from './harness.js';
import { recBench, type OcrMetric, type RunSession } from './ocr/index.js';
import { evaluateOtherSources } from './ocr/other-sources.js';
import { ortRunner } from './ocr/ort.js';
import { instrument } from './qat-step.js';

export async function run(): Promise<void> {
  const steps = numberFlag('steps', 16);
  const samples = numberFlag('samples', 128);
  const holdout = numberFlag('holdout', 16);
  const evalCount = numberFlag('eval', 400);
  const hardCount = numberFlag('hard', 400);
  const lr = numberFlag('lr', 1e-5);
  const batchSize = numberFlag('batch', 8);
  const accumulate = numberFlag('accumulate', 1);
  const clip = numberFlag('clip', 0);
  const scaleRate = numberFlag('scale-rate', 100);
  const weightRate = textFlag('weight-rate', 'grid') as 'grid' | 'uniform';
  const learn = textFlag('learn', 'both') as LearnMode;
  const loss = textFlag('loss', 'auto') as 'auto' | 'mse' | 'kl';
  const evalEvery = numberFlag('eval-every', Math.max(1, Math.round(steps / 8)));
  const fp32 = new Uint8Array(readFileSync(recBench.modelPath));
  const feeds: Feeds[] = recBench.calibrationInputs(samples).map(([t]) => ({
    [t!.name]: { type: 'float32', dims: t!.dims, data: t!.data },
  }));
  const train = feeds.slice(0, samples - holdout);
  const heldOut = feeds.slice(samples - holdout);
  let peak = process.memoryUsage().rss;
  let last = performance.now();
  const byOp = new Map<string, [number, number]>();
  const restore = process.argv.includes('--profile') ? instrument(byOp) : () => {};
  const t0 = performance.now();
  const result = await runQatRecipe(
    fp32,
    train,
    heldOut,
    {},
    {
      steps,
      lr,
      batchSize,
      accumulate,
      clip,
      scaleRate,
      weightRate,
      learn,
      loss,
      evalEvery,
      onStep: (s) => {
        peak = Math.max(peak, process.memoryUsage().rss);
        const now = performance.now();
        const sqnr =
          s.heldOutSqnr === undefined ? '' : ` held-out SQNR ${s.heldOutSqnr.toFixed(2)} dB`;
        console.error(
          `  step ${s.step}/${s.steps} loss ${s.loss.toExponential(3)} ${((now - last) / 1000).toFixed(1)} s${sqnr}`,
        );
        last = now;
      },
    },
  );
  restore();
  const seconds = (performance.now() - t0) / 1000;
  const opMs = [...byOp.values()].reduce((sum, [f, b]) => sum + f + b, 0);
  if (opMs > 0) {
    console.log('\nexecutor time by op type (forward + backward, training and held-out passes):');
    printTable(
      ['op', 'forward s', 'backward s', 'share'],
      [...byOp]
        .sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1])
        .slice(0, 10)
        .map(([op, [f, b]]) => [
          op,
          (f / 1000).toFixed(1),
          (b / 1000).toFixed(1),
          `${(((f + b) / opMs) * 100).toFixed(0)} %`,
        ]),
    );
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const { report } = result;
  const models: [string, Uint8Array, string, string][] = [
    ['fp32', fp32, '', ''],
    ['PTQ (static int8)', result.static.bytes, report.before.toFixed(2), ''],
  ];
  if (result.tuned !== undefined)
    models.push(['--qat', result.tuned, report.after!.toFixed(2), report.kept]);
  console.log(
    `\nppocr-rec: QAT on ${report.settings.trainSamples} rendered lines ` +
      `(${report.settings.heldOutSamples} held out for SQNR), ${steps} steps of ${batchSize} x ${accumulate}, lr ${lr}, scale rate ${scaleRate}, weight rate ${weightRate}, clip ${clip}, ` +
      `learn ${learn}, loss ${report.settings.loss}, ${report.settings.trainable} trainable tensors; ` +
      `total ${seconds.toFixed(0)} s (training ${(report.trainMs / 1000).toFixed(0)} s), ` +
      `peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB`,
  );
  const sets: [string, (run: RunSession) => Promise<OcrMetric>][] = [
    [`other sources (${hardCount} lines)`, (run) => evaluateOtherSources(run, hardCount)],
    [`look-alike (${evalCount} lines)`, (run) => recBench.evaluate(run, evalCount)],
  ];
  for (const [set, evaluate] of sets) {
    const scores: OcrMetric[] = [];
    for (const [, bytes] of models) scores.push(await evaluate(await ortRunner(bytes)));
    const base = scores[0]!;
    console.log(`\n${set}:`);
    printTable(
      [' model', 'char acc', '% of fp32', 'line acc', 'held-out SQNR dB', 'kept'],
      models.map(([name, , sqnr, kept], i) => [
        name,
        scores[i]!.value.toFixed(4),
        pct(scores[i]!.value, base.value),
        scores[i]!.details.lineAccuracy!.toFixed(4),
        sqnr,
        kept,
      ]),
    );
  }
  console.log(
    `training graph held-out SQNR: start ${report.graphBefore.toFixed(2)} dB, best ` +
      `${report.graphBest.toFixed(2)} dB at step ${report.bestStep}; ${report.clipped} steps clipped`,
  );
  if (report.reason !== undefined) console.log(report.reason);
}

function pct(value: number, base: number): string {
  return `${((value / base) * 100).toFixed(2)}%`;
}

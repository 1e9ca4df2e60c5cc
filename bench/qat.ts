// `npm run bench -- qat [--steps=N] [--samples=N] [--holdout=N] [--eval=N] [--lr=X] [--learn=M]
// [--batch=B] [--loss=mse|kl] [--eval-every=N]`:
// --qat on the PP-OCR recognizer with rendered calibration lines (the last --holdout of them
// held out for SQNR), scored on held-out rendered lines (bench/ocr's scorer) against PTQ and
// fp32, with the training time and the process's peak RSS. Figures only; asserts nothing.
import { readFileSync } from 'node:fs';
import type { Feeds } from '../src/ptq/index.js';
import { runQatRecipe, type LearnMode } from '../src/qat/qat-recipe.js';
import { printTable } from './harness.js';
import { recBench } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

function text(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

export async function run(): Promise<void> {
  const steps = flag('steps', 200);
  const samples = flag('samples', 128);
  const holdout = flag('holdout', 16);
  const evalCount = flag('eval', 400);
  const lr = flag('lr', 1e-5);
  const batchSize = flag('batch', 8);
  const learn = text('learn', 'both') as LearnMode;
  const loss = text('loss', 'auto') as 'auto' | 'mse' | 'kl';
  const evalEvery = flag('eval-every', Math.max(1, Math.round(steps / 10)));
  const fp32 = new Uint8Array(readFileSync(recBench.modelPath));
  const feeds: Feeds[] = recBench.calibrationInputs(samples).map(([t]) => ({
    [t!.name]: { type: 'float32', dims: t!.dims, data: t!.data },
  }));
  const train = feeds.slice(0, samples - holdout);
  const heldOut = feeds.slice(samples - holdout);
  let peak = process.memoryUsage().rss;
  let last = performance.now();
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
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  const { report } = result;
  const base = await recBench.evaluate(await ortRunner(fp32), evalCount);
  const ptq = await recBench.evaluate(await ortRunner(result.static.bytes), evalCount);
  const rows = [
    ['fp32', base.value.toFixed(4), '100.0%', '', ''],
    [
      'PTQ (static int8)',
      ptq.value.toFixed(4),
      pct(ptq.value, base.value),
      report.before.toFixed(2),
      '',
    ],
  ];
  if (result.tuned !== undefined) {
    const qat = await recBench.evaluate(await ortRunner(result.tuned), evalCount);
    rows.push([
      '--qat',
      qat.value.toFixed(4),
      pct(qat.value, base.value),
      report.after!.toFixed(2),
      report.kept,
    ]);
  }
  console.log(
    `\nppocr-rec: ${base.metric} on ${base.count} held-out lines; QAT on ${report.settings.trainSamples} ` +
      `lines (${report.settings.heldOutSamples} held out), ${steps} steps of ${batchSize}, lr ${lr}, ` +
      `learn ${learn}, loss ${report.settings.loss}, ${report.settings.trainable} trainable tensors; ` +
      `total ${seconds.toFixed(0)} s (training ${(report.trainMs / 1000).toFixed(0)} s), ` +
      `peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB`,
  );
  printTable([' model', base.metric, '% of fp32', 'held-out SQNR dB', 'kept'], rows);
  if (report.reason !== undefined) console.log(report.reason);
}

function pct(value: number, base: number): string {
  return `${((value / base) * 100).toFixed(2)}%`;
}

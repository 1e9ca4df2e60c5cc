// `npm run bench -- qat-table [--samples=N] [--holdout=N] [--steps=N] [--batch=B]
// [--iterations=N] [--eval=N]` (ZP_MODELS=cls,rec,det,wakeword picks models): issue 12's one
// table. Each real model: fp32, PTQ (static int8), --equalize, --adaround, --qat, scored with
// its own metric on held-out data (bench/ocr, bench/wakeword; the recognizer also on lines from
// other sources), with held-out output SQNR and wall time. And the symmetric-vs-asymmetric
// question under QAT: symmetric activations (scale learned, zero point fixed) against
// asymmetric ones (scale and zero point learned), each beside its own PTQ. Figures only.
import { readFileSync } from 'node:fs';
import type { Feeds, StaticOptions } from '../src/ptq/index.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import { compareOutputs } from '../src/ptq/output-agreement.js';
import { runAdaroundRecipe } from '../src/qat/adaround-recipe.js';
import { runQatRecipe } from '../src/qat/qat-recipe.js';
import { CASES, type ModelCase } from './accuracy.js';
import { numberFlag, printTable } from './harness.js';
import { evaluateOtherSources } from './ocr/other-sources.js';
import { ortRunner } from './ocr/ort.js';
import { calibrationFeeds, gpt, modelBytes } from './transformers/models.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { runWeightQatRecipe } from '../src/qat/weight-qat.js';

/** Per model: calibration samples, held out of them, QAT batch, scored held-out samples. */
const SIZES: Record<string, { samples: number; holdout: number; batch: number; eval: number }> = {
  'ppocr-cls': { samples: 48, holdout: 8, batch: 8, eval: 400 },
  'ppocr-rec': { samples: 40, holdout: 8, batch: 4, eval: 200 },
  'ppocr-det': { samples: 6, holdout: 2, batch: 1, eval: 8 },
  'openwakeword-embedding': { samples: 3, holdout: 1, batch: 8, eval: 240 },
};

function feedsOf(c: ModelCase, count: number): Feeds[] {
  return c.bench
    .calibrationInputs(count)
    .map((inputs) =>
      Object.fromEntries(
        inputs.map((t) => [t.name, { type: 'float32' as const, dims: t.dims, data: t.data }]),
      ),
    );
}

async function sqnr(fp32: Uint8Array, bytes: Uint8Array, held: readonly Feeds[]) {
  const agreement = await compareOutputs(fp32, bytes, held);
  return Math.min(...agreement.map((a) => a.sqnrDb));
}

/**
 * int4 weight-only QAT on data/transformers/gpt (issue 12: recovers at least half of what int4
 * PTQ loses): RTN int4 blocks of 32, symmetric and asymmetric, then weight-only QAT from each.
 */
async function gptInt4(steps: number): Promise<void> {
  const fp32 = modelBytes(gpt);
  const feeds = calibrationFeeds(gpt);
  const train = feeds.slice(0, feeds.length - 4);
  const held = feeds.slice(feeds.length - 4);
  const score = async (bytes: Uint8Array) => {
    const session = await createSession(bytes, { threads: 1 });
    try {
      return await gpt.evaluate(session);
    } finally {
      await session.release();
    }
  };
  const base = await score(fp32);
  const rows: string[][] = [['fp32', base.toFixed(4), '100.00%', '', '', '', '']];
  for (const scheme of ['symmetric', 'asymmetric'] as const) {
    const t0 = performance.now();
    const r = await runWeightQatRecipe(
      fp32,
      train,
      held,
      { bits: 4, blockSize: 32, scheme },
      {
        steps,
        batchSize: 8,
        onStep: (step, total, loss) => {
          if (step % 10 === 0)
            console.error(`  gpt ${scheme}: step ${step}/${total} loss ${loss.toExponential(3)}`);
        },
      },
    );
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    const ptq = await score(r.ptq);
    const qat = await score(r.tuned);
    const recovered = base === ptq ? 'n/a' : `${(((qat - ptq) / (base - ptq)) * 100).toFixed(0)}%`;
    rows.push([
      `int4 RTN ${scheme}`,
      ptq.toFixed(4),
      pct(ptq, base),
      r.report.before.toFixed(2),
      '',
      '',
      '',
    ]);
    rows.push([
      `int4 QAT ${scheme}`,
      qat.toFixed(4),
      pct(qat, base),
      r.report.after.toFixed(2),
      seconds,
      recovered,
      r.report.kept,
    ]);
  }
  console.log(
    `\ngpt: ${gpt.metric} on ${gpt.count()} held-out positions; ${train.length} calibration windows ` +
      `(${held.length} held out for SQNR); weight-only QAT ${steps} steps of 8, weights learned, RTN grids`,
  );
  printTable(
    [' method', 'metric', '% of fp32', 'held-out SQNR dB', 'time s', 'loss recovered', 'kept'],
    rows,
  );
}

export async function run(): Promise<void> {
  const names = (process.env.ZP_MODELS ?? 'cls,wakeword,rec,det,gpt').split(',');
  const steps = numberFlag('steps', 20);
  if (names.includes('gpt')) await gptInt4(numberFlag('gpt-steps', 100));
  const iterations = numberFlag('iterations', 300);
  for (const name of names) {
    const c = CASES.find((k) => k.bench.name.includes(name));
    if (c === undefined) continue;
    const size = SIZES[c.bench.name]!;
    const samples = numberFlag('samples', size.samples);
    const holdout = numberFlag('holdout', size.holdout);
    const count = numberFlag('eval', size.eval);
    const batchSize = numberFlag('batch', size.batch);
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const feeds = feedsOf(c, samples);
    const train = feeds.slice(0, feeds.length - holdout);
    const held = feeds.slice(feeds.length - holdout);
    const score = async (bytes: Uint8Array) => {
      const runner = await ortRunner(bytes);
      const main = (await c.bench.evaluate(runner, count)).value;
      const other =
        c.bench.name === 'ppocr-rec'
          ? (await evaluateOtherSources(runner, count)).value
          : undefined;
      return { main, other };
    };
    const base = await score(fp32);
    const rows: string[][] = [];
    const add = async (label: string, bytes: Uint8Array, seconds: number, note = '') => {
      const s = await score(bytes);
      const other = s.other === undefined ? [] : [pct(s.other, base.other!)];
      rows.push([
        label,
        s.main.toFixed(4),
        pct(s.main, base.main),
        ...other,
        (await sqnr(fp32, bytes, held)).toFixed(2),
        seconds.toFixed(0),
        note,
      ]);
      console.error(`  ${c.bench.name}: ${label} done (${seconds.toFixed(0)} s)`);
    };
    const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      const t0 = performance.now();
      const out = await f();
      return [out, (performance.now() - t0) / 1000];
    };
    for (const activations of ['asymmetric', 'symmetric'] as const) {
      const options: StaticOptions = { activations };
      const tag = activations === 'asymmetric' ? 'asym' : 'sym';
      const [ptq, ptqS] = await timed(() => runStaticRecipe(fp32, train, options));
      await add(`PTQ ${tag}`, ptq.bytes, ptqS);
      if (activations === 'asymmetric') {
        const [eq, eqS] = await timed(() =>
          runStaticRecipe(fp32, train, { ...options, equalize: true }),
        );
        await add(`--equalize ${tag}`, eq.bytes, eqS);
        const [ada, adaS] = await timed(() =>
          runAdaroundRecipe(fp32, train, held, options, { iterations }),
        );
        const r = ada.report;
        const flipped = r.layers.reduce((n, l) => n + l.flipped, 0);
        const mean = (f: (l: (typeof r.layers)[number]) => number) =>
          (100 * r.layers.reduce((n, l) => n + f(l), 0)) / Math.max(1, r.layers.length);
        await add(
          `--adaround ${tag}`,
          ada.tuned,
          adaS,
          `${r.layers.filter((l) => l.learned).length}/${r.layers.length} layers, ${flipped} flips, ` +
            `layer error ${mean((l) => l.nearest).toFixed(3)} -> ${mean((l) => l.error).toFixed(3)} %, kept ${r.kept}`,
        );
      }
      const [qat, qatS] = await timed(() =>
        runQatRecipe(fp32, train, held, options, { steps, batchSize }),
      );
      await add(
        `--qat ${tag} (${activations === 'asymmetric' ? 'scale + zero point' : 'scale only'})`,
        qat.tuned ?? qat.bytes,
        qatS,
        `kept ${qat.report.kept}`,
      );
    }
    console.log(
      `\n${c.bench.name}: ${samples} calibration samples (${holdout} held out for SQNR), ` +
        `scored on ${count} held-out samples; AdaRound ${iterations} iterations per layer; ` +
        `QAT ${steps} steps of ${batchSize}. Rows show the model each method built (also when its ` +
        `recipe would keep PTQ's).`,
    );
    const other = base.other === undefined ? [] : ['other sources'];
    printTable(
      [' method', 'metric', '% of fp32', ...other, 'held-out SQNR dB', 'time s', 'notes'],
      [['fp32', base.main.toFixed(4), '100.0%', ...other.map(() => '100.0%'), '', '', ''], ...rows],
    );
  }
}

function pct(value: number, base: number): string {
  return `${((value / base) * 100).toFixed(2)}%`;
}

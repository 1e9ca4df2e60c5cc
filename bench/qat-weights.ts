// `npm run bench -- qat-weights [--models=gpt,vit,bert] [--schemes=asymmetric,symmetric]
// [--algorithm=rtn|gptq] [--losses=kl-logits,mse] [--steps=N] [--eval=N] [--lr=X]
// [--temperature=T] [--holdout=N] [--learn=weights|both]`: int4 weight-only QAT on the transformers (issue 12: recover
// at least half of what int4 PTQ loses) through the public quantizeWeightsQat. Per run: fp32,
// PTQ, the kept QAT model (% of fp32, % of the loss recovered), and every measured step's
// held-out figures (top-1 agreement, KL, SQNR on calibration samples held out of training) beside
// its accuracy on the model's own held-out set, to see which figure tracks the task. Figures only.
import { join } from 'node:path';
import { quantizeWeightsQat } from '../src/api/index.js';
import { compareOutputs } from '../src/ptq/output-agreement.js';
import type { HeldOutFigures } from '../src/qat/held-out-judge.js';
import type { RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { printTable } from './harness.js';
import { readNpy } from './transformers/arrays.js';
import {
  calibrationFeeds,
  metricOf,
  modelBytes,
  TRANSFORMERS,
  type TransformerModel,
} from './transformers/models.js';

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

/** Spearman's rank correlation of two equally long lists (ties get their mean rank). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const ranks = (x: readonly number[]) => {
    const order = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(x.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let [num, da, db] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? Number.NaN : num / Math.sqrt(da * db);
}

/** gpt's held-out windows as feeds (batches of 128), for top-1 agreement with fp32 there. */
function evalFeeds(m: TransformerModel): Record<string, RuntimeTensor>[] {
  if (m.name !== 'gpt') return [];
  const w = readNpy(join(m.dir, 'heldout', 'windows.npy'));
  const [n, width] = [w.shape[0]!, w.shape[1]!];
  const feeds: Record<string, RuntimeTensor>[] = [];
  for (let start = 0; start < n; start += 128) {
    const end = Math.min(n, start + 128);
    const ids = new BigInt64Array((end - start) * (width - 1));
    for (let i = start; i < end; i++)
      for (let j = 0; j < width - 1; j++)
        ids[(i - start) * (width - 1) + j] = BigInt(w.data[i * width + j]!);
    feeds.push({ input_ids: { type: 'int64', dims: [end - start, width - 1], data: ids } });
  }
  return feeds;
}

const pct = (v: number, base: number) => `${((v / base) * 100).toFixed(2)}%`;

export async function run(): Promise<void> {
  const models = option('models', 'gpt').split(',');
  const schemes = option('schemes', 'asymmetric,symmetric').split(',') as (
    'asymmetric' | 'symmetric'
  )[];
  const algorithm = option('algorithm', 'rtn') as 'rtn' | 'gptq';
  const losses = option('losses', 'kl-logits,mse').split(',') as ('kl-logits' | 'mse')[];
  const steps = Number(option('steps', '100'));
  const evalEvery = Number(option('eval', '10'));
  const lr = Number(option('lr', '1e-4'));
  const temperature = Number(option('temperature', '1'));
  const holdout = Number(option('holdout', '8'));
  const learnScales = option('learn', 'weights') === 'both';
  const summary: string[][] = [];
  for (const m of TRANSFORMERS.filter((t) => models.includes(t.name))) {
    const fp32 = modelBytes(m);
    const feeds = calibrationFeeds(m);
    const base = await metricOf(m, fp32);
    const heldFeeds = evalFeeds(m);
    const agree = async (bytes: Uint8Array) =>
      heldFeeds.length === 0
        ? ''
        : `${((await compareOutputs(fp32, bytes, heldFeeds))[0]!.top1! * 100).toFixed(2)}%`;
    for (const scheme of schemes) {
      for (const loss of losses) {
        const states: { step: number; f: HeldOutFigures; bytes: Uint8Array }[] = [];
        const t0 = performance.now();
        const r = await quantizeWeightsQat(fp32, feeds, {
          bits: 4,
          blockSize: 32,
          scheme,
          algorithm,
          steps,
          lr,
          loss,
          temperature,
          holdout,
          evalEvery,
          learnScales,
          onMeasured: (step, f, write) => states.push({ step, f, bytes: write() }),
        });
        const seconds = (performance.now() - t0) / 1000;
        const ptqBytes = await quantizeWeightsQat(fp32, feeds, {
          bits: 4,
          blockSize: 32,
          scheme,
          algorithm,
          steps: 0,
          holdout,
        });
        const ptq = await metricOf(m, ptqBytes.model);
        const kept = await metricOf(m, r.model);
        const h = r.report.heldOut;
        const rows: string[][] = [];
        const all = [{ f: h.before, acc: ptq, step: 0 }];
        rows.push(['0 (PTQ)', ...figures(h.before), pct(ptq, base), await agree(ptqBytes.model)]);
        for (const s of states) {
          const acc = await metricOf(m, s.bytes);
          all.push({ f: s.f, acc, step: s.step });
          rows.push([String(s.step), ...figures(s.f), pct(acc, base), await agree(s.bytes)]);
        }
        const label = `${m.name} int4 ${scheme} ${algorithm}, ${loss}`;
        console.log(
          `\n${label}: ${m.metric}; held-out figures on ${holdout} calibration batches (training graph)`,
        );
        printTable(['step', 'top-1', 'KL', 'SQNR dB', '% of fp32', 'eval top-1 vs fp32'], rows);
        const acc = all.map((a) => a.acc);
        const rho = (key: (f: HeldOutFigures) => number) =>
          spearman(
            all.map((a) => key(a.f)),
            acc,
          ).toFixed(2);
        const pick = (key: (f: HeldOutFigures) => number) =>
          all.reduce((b, a) => (key(a.f) > key(b.f) ? a : b));
        const keys: ((f: HeldOutFigures) => number)[] = [
          (f) => f.top1 ?? 0,
          (f) => -(f.kl ?? 0),
          (f) => f.sqnr,
        ];
        const picks = keys.map((k) => {
          const p = pick(k);
          return `${p.step}: ${pct(p.acc, base)}`;
        });
        console.log(
          `rank correlation with accuracy: top-1 ${rho((f) => f.top1 ?? 0)}, KL ${rho((f) => -(f.kl ?? 0))}, SQNR ${rho((f) => f.sqnr)}; ` +
            `best by top-1 ${picks[0]}, by KL ${picks[1]}, by SQNR ${picks[2]}`,
        );
        const recovered =
          base === ptq ? 'n/a' : `${(((kept - ptq) / (base - ptq)) * 100).toFixed(0)}%`;
        summary.push([
          label,
          base.toFixed(4),
          `${ptq.toFixed(4)} (${pct(ptq, base)})`,
          `${kept.toFixed(4)} (${pct(kept, base)})`,
          recovered,
          `${r.report.kept} (step ${r.report.bestStep})`,
          seconds.toFixed(0),
        ]);
      }
    }
  }
  console.log(
    `\nint4 blocks of 32, ${steps} steps of 8, lr ${lr}, T ${temperature}, learn ${learnScales ? 'weights and scales' : 'weights'}, kept by held-out KL (SQNR ties)`,
  );
  printTable(['run', 'fp32', 'PTQ', 'QAT (kept)', 'loss recovered', 'kept', 'time s'], summary);
}

function figures(f: HeldOutFigures): string[] {
  return [
    f.top1 === null ? '' : `${(f.top1 * 100).toFixed(2)}%`,
    f.kl === null ? '' : f.kl.toExponential(3),
    f.sqnr.toFixed(2),
  ];
}

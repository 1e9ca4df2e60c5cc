// `npm run bench -- transformers`: the three small transformers of data/transformers/ (BERT
// pair classifier with three int64 inputs, character GPT, character ViT), each quantized by
// every mode in modes.ts through the library API, scored on its held-out set. One row per
// (model, mode): metric, % of fp32, size, time to quantize, single-threaded batch-1 latency
// (all of a model's variants interleaved in one process, median). A mode the API refuses is
// a row "refused" with the message below the table. ZP_MODELS=bert,gpt and ZP_MODES=int4
// (substrings, or =NAME for one mode exactly) pick rows; `--json=FILE` also writes the rows. Asserts nothing: figures only.
import { writeFileSync } from 'node:fs';
import type { FeedsLike } from '../../src/api/index.js';
import { createSession, type RuntimeTensor } from '../../src/runtime/onnxruntime.js';
import { printTable } from '../harness.js';
import { MODES } from './modes.js';
import {
  calibrationFeeds,
  metricOf,
  modelBytes,
  TRANSFORMERS,
  type TransformerModel,
} from './models.js';

/** One (model, mode) result; `refused` holds the API's message when it refused. */
export interface TransformerRow {
  readonly model: string;
  readonly mode: string;
  readonly metric?: number;
  readonly ratio?: number;
  readonly bytes?: number;
  readonly quantizeSeconds?: number;
  readonly latencyMs?: number;
  readonly latencyRatio?: number;
  readonly refused?: string;
}

/** Whether `name` is picked by `env`: comma-separated substrings, or `=name` for that one. */
const picked = (env: string | undefined, name: string): boolean =>
  env === undefined ||
  env.split(',').some((s) => {
    const t = s.trim();
    return t.startsWith('=') ? name === t.slice(1) : name.includes(t);
  });

/** Median ms per batch-1 run of each model, all sessions interleaved, one thread. */
async function latencies(
  models: readonly Uint8Array[],
  feeds: Record<string, RuntimeTensor>,
  runs: number,
): Promise<number[]> {
  const sessions = await Promise.all(models.map((m) => createSession(m, { threads: 1 })));
  const samples = models.map(() => [] as number[]);
  for (let r = -3; r < runs; r++) {
    for (const [i, s] of sessions.entries()) {
      const t0 = performance.now();
      await s.run(feeds);
      if (r >= 0) samples[i]!.push(performance.now() - t0);
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}

/** Every picked mode's row for one model (fp32 first). */
export async function benchModel(m: TransformerModel, runs = 30): Promise<TransformerRow[]> {
  const fp32 = modelBytes(m);
  const calib: readonly FeedsLike[] = calibrationFeeds(m);
  const base = await metricOf(m, fp32);
  const built: { mode: string; bytes: Uint8Array; seconds: number; metric: number }[] = [];
  const refused: TransformerRow[] = [];
  for (const mode of MODES.filter((x) => picked(process.env.ZP_MODES, x.name))) {
    const t0 = performance.now();
    try {
      const bytes = await mode.quantize(fp32, calib);
      const seconds = (performance.now() - t0) / 1000;
      built.push({ mode: mode.name, bytes, seconds, metric: await metricOf(m, bytes) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      refused.push({ model: m.name, mode: mode.name, refused: message.split('\n')[0]! });
    }
    console.error(`  ${m.name}: ${mode.name} done`);
  }
  const times = await latencies([fp32, ...built.map((b) => b.bytes)], m.latencyFeeds(), runs);
  return [
    {
      model: m.name,
      mode: 'fp32',
      metric: base,
      ratio: 1,
      bytes: fp32.length,
      latencyMs: times[0]!,
      latencyRatio: 1,
    },
    ...built.map((b, i) => ({
      model: m.name,
      mode: b.mode,
      metric: b.metric,
      ratio: b.metric / base,
      bytes: b.bytes.length,
      quantizeSeconds: b.seconds,
      latencyMs: times[i + 1]!,
      latencyRatio: times[i + 1]! / times[0]!,
    })),
    ...refused,
  ];
}

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;

/** The table's cells for one row. */
function cells(r: TransformerRow, metric: string): string[] {
  if (r.refused !== undefined) return [r.model, r.mode, 'refused (below)'];
  return [
    r.model,
    r.mode,
    `${metric} ${r.metric!.toFixed(4)}`,
    `${(r.ratio! * 100).toFixed(1)}%`,
    kb(r.bytes!),
    r.quantizeSeconds === undefined ? '' : r.quantizeSeconds.toFixed(1),
    r.latencyMs!.toFixed(3),
    `${r.latencyRatio!.toFixed(2)}x`,
  ];
}

export async function run(): Promise<void> {
  const rows: TransformerRow[] = [];
  const table: string[][] = [];
  for (const m of TRANSFORMERS.filter((x) => picked(process.env.ZP_MODELS, x.name))) {
    const modelRows = await benchModel(m);
    rows.push(...modelRows);
    table.push(...modelRows.map((r) => cells(r, m.metric)));
    console.error(`${m.name}: ${m.count()} held-out samples scored`);
  }
  printTable(
    ['model', 'mode', 'held-out metric', '% fp32', 'size', 'quant s', 'ms', 'vs fp32'],
    table,
  );
  console.log('latency: onnxruntime-node, 1 thread, batch 1, median of 30 interleaved runs');
  for (const r of rows.filter((x) => x.refused !== undefined)) {
    console.log(`refused: ${r.model} ${r.mode}: ${r.refused}`);
  }
  const json = process.argv.find((a) => a.startsWith('--json='))?.slice('--json='.length);
  if (json !== undefined) writeFileSync(json, JSON.stringify(rows, null, 1) + '\n');
}

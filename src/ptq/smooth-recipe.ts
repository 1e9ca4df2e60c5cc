// SmoothQuant inside the static recipe: observe per-channel activation absmax on the prepared
// float model, rewrite it (passes/smooth-quant.ts) before calibration, so ranges are observed on
// the smoothed graph; and, when no alpha is given, choose alpha by measurement: each alpha of the
// grid is quantized by the recipe itself on the first part of the data and scored by output SQNR
// against fp32 on the held-out rest. Not the rewrite, and not a second builder.
import { fail } from '../core/index.js';
import type { Graph } from '../onnx/graph.js';
import { findSmoothSites, smoothQuant, type SmoothDecision } from '../passes/smooth-quant.js';
import { createSession, type RuntimeTensor } from '../runtime/onnxruntime.js';
import { samplesOf, type Batches, type Feeds } from './batches.js';
import { channelAbsMax } from './smooth-stats.js';

/** `--smooth-quant [alpha]`: a given alpha, or undefined to choose one on held-out data. */
export interface SmoothQuantOptions {
  readonly alpha?: number;
  /** The alphas tried when none is given (default 0.3 to 0.8 by 0.1). */
  readonly grid?: readonly number[];
}

/** What SmoothQuant did, for the report and `--json`. */
export interface SmoothReport {
  readonly alpha: number;
  readonly chosenBy: 'given' | 'held-out output SQNR';
  /** Each alpha tried, and the unsmoothed model, scored on the held-out samples. */
  readonly trials?: readonly { readonly alpha: number | null; readonly sqnrDb: number }[];
  readonly heldOutSamples?: number;
  readonly decisions: readonly SmoothDecision[];
}

/** The alpha grid SmoothQuant tries by default (the paper uses 0.5 to 0.85). */
const DEFAULT_ALPHA_GRID: readonly number[] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

/** Reads every batch of a stream into memory (SmoothQuant reads the data more than once). */
export async function collectBatches(batches: Batches): Promise<Feeds[]> {
  const all: Feeds[] = [];
  for await (const feeds of batches) all.push(feeds);
  return all;
}

/** Smooths `graph` (the prepared model `bytes`) in place with `alpha`, statistics from `feeds`. */
export async function smoothGraph(
  graph: Graph,
  bytes: Uint8Array,
  feeds: readonly Feeds[],
  alpha: number,
  threads = 1,
): Promise<SmoothDecision[]> {
  if (!(alpha >= 0 && alpha <= 1))
    fail('bad-argument', `SmoothQuant alpha must be in [0, 1], got ${alpha}`);
  const { sites, skipped } = findSmoothSites(graph);
  const absMax = await channelAbsMax(
    bytes,
    sites.map((s) => s.tensor),
    feeds,
    threads,
  );
  return [...smoothQuant(graph, sites, absMax, alpha), ...skipped];
}

function slice(t: RuntimeTensor, from: number, to: number): RuntimeTensor {
  const inner = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data.subarray(from * inner, to * inner);
  return { type: t.type, dims: [to - from, ...t.dims.slice(1)], data };
}

/** The data split into a part to quantize with and a held-out quarter (by batch, else sample). */
export function holdOut(feeds: readonly Feeds[]): { fit: Feeds[]; held: Feeds[] } {
  if (feeds.length >= 2) {
    const cut = feeds.length - Math.max(1, Math.floor(feeds.length / 4));
    return { fit: feeds.slice(0, cut), held: feeds.slice(cut) };
  }
  const n = feeds[0] === undefined ? 0 : samplesOf(feeds[0]);
  if (n < 2) fail('bad-calibration-data', 'choosing a SmoothQuant alpha needs 2 samples or more');
  const cut = n - Math.max(1, Math.floor(n / 4));
  const part = (a: number, b: number): Feeds =>
    Object.fromEntries(Object.entries(feeds[0]!).map(([k, t]) => [k, slice(t, a, b)]));
  return { fit: [part(0, cut)], held: [part(cut, n)] };
}

/** Every output of `bytes` on each batch, flattened in order. */
async function outputsOf(bytes: Uint8Array, feeds: readonly Feeds[], threads: number) {
  const session = await createSession(bytes, { threads });
  const out: Float32Array[] = [];
  try {
    for (const f of feeds) {
      const r = await session.run(f);
      for (const name of session.outputNames) {
        const t = r[name];
        if (t?.type === 'float32') out.push(t.data as Float32Array);
      }
    }
  } finally {
    await session.release();
  }
  return out;
}

function sqnrDb(ref: readonly Float32Array[], got: readonly Float32Array[]): number {
  let signal = 0;
  let noise = 0;
  ref.forEach((r, k) =>
    r.forEach((v, i) => {
      signal += v * v;
      noise += (v - got[k]![i]!) ** 2;
    }),
  );
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/**
 * Chooses alpha: `quantize(fit, alpha)` (the static recipe; alpha null: unsmoothed) builds each
 * candidate on the first part of `feeds`, scored against `modelBytes` on the held-out part.
 */
export async function chooseAlpha(
  modelBytes: Uint8Array,
  feeds: readonly Feeds[],
  quantize: (fit: readonly Feeds[], alpha: number | null) => Promise<Uint8Array>,
  grid: readonly number[] = DEFAULT_ALPHA_GRID,
  threads = 1,
): Promise<Omit<SmoothReport, 'decisions'>> {
  const { fit, held } = holdOut(feeds);
  const ref = await outputsOf(modelBytes, held, threads);
  const trials: { alpha: number | null; sqnrDb: number }[] = [];
  for (const alpha of [null, ...grid]) {
    const bytes = await quantize(fit, alpha);
    trials.push({ alpha, sqnrDb: sqnrDb(ref, await outputsOf(bytes, held, threads)) });
  }
  const best = trials
    .filter((t) => t.alpha !== null)
    .reduce((a, b) => (b.sqnrDb > a.sqnrDb ? b : a));
  const heldOutSamples = held.reduce((n, f) => n + samplesOf(f), 0);
  return { alpha: best.alpha!, chosenBy: 'held-out output SQNR', trials, heldOutSamples };
}

// Whole-model latency on this machine: several models loaded side by side, run round after round
// on the same feeds in a rotating order (timing-stats.ts roundOrder), each model's median time
// and its paired ratio to the first model (the reference, fp32) over the same rounds, so a slow
// round on a shared machine slows every model alike; the spread of those per-round ratios says
// how far one figure can be trusted. What the verdict and the latency bench read. Not per-node
// times (node-timing.ts profiles the kernels) and not a decision.
import { fail } from '../core/errors.js';
import { cpuSeconds } from '../runtime/cpu-clock.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import { median, pairedRatios, quantile, repetitionsFor, roundOrder } from './timing-stats.js';

/** How to time whole models. */
export interface LatencyOptions {
  /** Session threads (default 1: the figure that does not depend on the machine's load). */
  readonly threads?: number;
  /** Timed rounds (default 20) after `warmup` untimed ones (default 3). */
  readonly runs?: number;
  readonly warmup?: number;
  /** Stop early once this many ms have gone into timed rounds (default: no limit; at least 5 rounds). */
  readonly budgetMs?: number;
  /**
   * 'cpu': the process's CPU time (default with one thread: on a shared machine it leaves out
   * the waits for a core); 'wall': wall time (default with more threads, where CPU time sums them).
   */
  readonly clock?: 'cpu' | 'wall';
  /**
   * Shortest sample in ms (default 2): a model faster than this runs several times per sample,
   * the same count for every model, so the clock's granularity does not swamp its time.
   */
  readonly sampleMs?: number;
  readonly signal?: AbortSignal;
}

/** Medians per model and each model's latency as a multiple of the first's. */
export interface LatencyComparison {
  /** Median time of one run, per model. */
  readonly medianMs: readonly number[];
  /** Paired median ratio to model 0 (1 for model 0 itself). */
  readonly ratios: readonly number[];
  /** Per model, the 25th and 75th percentiles of the per-round ratios to model 0. */
  readonly spread: readonly (readonly [number, number])[];
  readonly runs: number;
  /** Runs of each model per timed sample. */
  readonly repetitions: number;
  readonly threads: number;
  readonly clock: 'cpu' | 'wall';
}

/** Times `models` on `feeds` interleaved; model 0 is the reference the ratios are against. */
export async function compareLatency(
  models: readonly Uint8Array[],
  feeds: Readonly<Record<string, RuntimeTensor>>,
  options: LatencyOptions = {},
): Promise<LatencyComparison> {
  if (models.length === 0) fail('bad-argument', 'latency needs at least one model');
  const threads = options.threads ?? 1;
  const clock = options.clock ?? (threads === 1 ? 'cpu' : 'wall');
  const now = clock === 'cpu' ? () => cpuSeconds() * 1e3 : () => performance.now();
  const runs = Math.max(1, options.runs ?? 20);
  const warmup = Math.max(1, options.warmup ?? 3);
  const sessions: Session[] = [];
  const seconds = models.map(() => [] as number[]);
  let repetitions = 1;
  try {
    for (const bytes of models) sessions.push(await createSession(bytes, { threads }));
    const fastest = models.map(() => Infinity);
    let spentMs = 0;
    for (let round = -warmup; round < runs; round++) {
      options.signal?.throwIfAborted();
      if (round >= 5 && options.budgetMs !== undefined && spentMs > options.budgetMs) break;
      if (round === 0) {
        const quickest = Math.min(...fastest) / 1e3;
        repetitions = repetitionsFor(quickest, (options.sampleMs ?? 2) / 1e3);
      }
      for (const i of roundOrder(models.length, round + warmup)) {
        const t0 = now();
        for (let k = 0; k < (round < 0 ? 1 : repetitions); k++) await sessions[i]!.run(feeds);
        const ms = now() - t0;
        if (round < 0) fastest[i] = Math.min(fastest[i]!, ms);
        else {
          seconds[i]!.push(ms / repetitions / 1e3);
          spentMs += ms;
        }
      }
    }
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
  const perRound = seconds.map((s) => pairedRatios(s, seconds[0]!));
  return {
    medianMs: seconds.map((s) => median(s) * 1e3),
    ratios: perRound.map((r) => median(r)),
    spread: perRound.map((r) => [quantile(r, 0.25), quantile(r, 0.75)] as const),
    runs: seconds[0]!.length,
    repetitions,
    threads,
    clock,
  };
}

// Whole-model latency on this machine: several models loaded side by side, run round after round
// on the same feeds in a rotating order (timing-stats.ts roundOrder), each model's median wall
// time and its paired ratio to the first model (the reference, fp32) over the same rounds, so a
// slow round on a shared machine slows every model alike. What the verdict and the latency bench
// read. Not per-node times (node-timing.ts profiles the kernels) and not a decision.
import { fail } from '../core/errors.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import { median, pairedRatio, roundOrder } from './timing-stats.js';

/** How to time whole models. */
export interface LatencyOptions {
  /** Session threads (default 1: the figure that does not depend on the machine's load). */
  readonly threads?: number;
  /** Timed rounds (default 20) after `warmup` untimed ones (default 3). */
  readonly runs?: number;
  readonly warmup?: number;
  /** Stop early once this many ms have gone into timed rounds (default: no limit; at least 5 rounds). */
  readonly budgetMs?: number;
  readonly signal?: AbortSignal;
}

/** Medians per model and each model's latency as a multiple of the first's. */
export interface LatencyComparison {
  readonly medianMs: readonly number[];
  /** Paired median ratio to model 0 (1 for model 0 itself). */
  readonly ratios: readonly number[];
  readonly runs: number;
  readonly threads: number;
}

/** Times `models` on `feeds` interleaved; model 0 is the reference the ratios are against. */
export async function compareLatency(
  models: readonly Uint8Array[],
  feeds: Readonly<Record<string, RuntimeTensor>>,
  options: LatencyOptions = {},
): Promise<LatencyComparison> {
  if (models.length === 0) fail('bad-argument', 'latency needs at least one model');
  const threads = options.threads ?? 1;
  const runs = Math.max(1, options.runs ?? 20);
  const warmup = Math.max(1, options.warmup ?? 3);
  const sessions: Session[] = [];
  const seconds = models.map(() => [] as number[]);
  try {
    for (const bytes of models) sessions.push(await createSession(bytes, { threads }));
    let spentMs = 0;
    for (let round = -warmup; round < runs; round++) {
      options.signal?.throwIfAborted();
      if (round >= 5 && options.budgetMs !== undefined && spentMs > options.budgetMs) break;
      for (const i of roundOrder(models.length, round + warmup)) {
        const t0 = performance.now();
        await sessions[i]!.run(feeds);
        const ms = performance.now() - t0;
        if (round >= 0) {
          seconds[i]!.push(ms / 1e3);
          spentMs += ms;
        }
      }
    }
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
  return {
    medianMs: seconds.map((s) => median(s) * 1e3),
    ratios: seconds.map((s) => pairedRatio(s, seconds[0]!)),
    runs: seconds[0]!.length,
    threads,
  };
}

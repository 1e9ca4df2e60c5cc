// The verdict every quantize run ends with: its quantized variants timed against the fp32 input
// on this machine (hardware/model-latency.ts: interleaved, one thread unless asked), one of them
// chosen by the user's preference and latency limit, and a sentence that says plainly when no
// variant beats fp32. Not building variants (the recipes do) and not the per-node table.
import { fail } from '../core/index.js';
import { compareLatency, type LatencyOptions } from '../hardware/model-latency.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';

/** What to optimise: the smallest model, the fastest, or the smallest no slower than fp32. */
export type Preference = 'size' | 'speed' | 'balanced';

/** The preferences, for flag checks and help. */
export const PREFERENCES: readonly Preference[] = ['balanced', 'size', 'speed'];

/** How to judge. */
export interface VerdictOptions extends LatencyOptions {
  /** Default 'balanced': the smallest variant whose latency is within `tolerance` of fp32's. */
  readonly prefer?: Preference;
  /** A hard limit on latency as a multiple of fp32's (0.8: at most 0.8x). */
  readonly maxLatency?: number;
  /** How much slower than fp32 still counts as no slower (default 0.05). */
  readonly tolerance?: number;
}

/** One quantized model to judge. */
export interface VerdictCandidate {
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** One candidate's measurements. */
export interface MeasuredCandidate {
  readonly label: string;
  readonly bytes: number;
  /** fp32 bytes / these bytes. */
  readonly smaller: number;
  readonly medianMs: number;
  /** Latency as a multiple of fp32's (paired median over the same rounds). */
  readonly latency: number;
}

/** The measurements, the choice and the sentence. */
export interface Verdict {
  readonly fp32: { readonly bytes: number; readonly medianMs: number };
  readonly candidates: readonly MeasuredCandidate[];
  /** The chosen candidate's label; undefined when none meets `maxLatency`. */
  readonly chosen: string | undefined;
  readonly prefer: Preference;
  readonly maxLatency?: number;
  readonly threads: number;
  readonly runs: number;
  /** The verdict in words, as the CLI prints it. */
  readonly words: string;
}

/** Times `candidates` against `fp32` on `feeds` and chooses one by `options`. */
export async function judgeLatency(
  fp32: Uint8Array,
  candidates: readonly VerdictCandidate[],
  feeds: Readonly<Record<string, RuntimeTensor>>,
  options: VerdictOptions = {},
): Promise<Verdict> {
  if (candidates.length === 0) fail('bad-argument', 'the verdict needs a quantized model');
  const { maxLatency } = options;
  if (maxLatency !== undefined && !(maxLatency > 0)) {
    fail(
      'bad-argument',
      `--max-latency must be a positive multiple of fp32's latency, got ${maxLatency}`,
    );
  }
  const timed = await compareLatency([fp32, ...candidates.map((c) => c.bytes)], feeds, options);
  const measured = candidates.map((c, i) => ({
    label: c.label,
    bytes: c.bytes.length,
    smaller: fp32.length / c.bytes.length,
    medianMs: timed.medianMs[i + 1]!,
    latency: timed.ratios[i + 1]!,
  }));
  const prefer = options.prefer ?? 'balanced';
  const chosen = choose(measured, prefer, maxLatency, options.tolerance ?? 0.05);
  const fp32Ms = timed.medianMs[0]!;
  return {
    fp32: { bytes: fp32.length, medianMs: fp32Ms },
    candidates: measured,
    chosen: chosen?.label,
    prefer,
    ...(maxLatency === undefined ? {} : { maxLatency }),
    threads: timed.threads,
    runs: timed.runs,
    words: words(measured, chosen, fp32Ms, timed.threads, maxLatency, options.tolerance ?? 0.05),
  };
}

/** The candidate `prefer` picks among those within `maxLatency`; undefined when none is. */
export function choose(
  measured: readonly MeasuredCandidate[],
  prefer: Preference,
  maxLatency: number | undefined,
  tolerance: number,
): MeasuredCandidate | undefined {
  const allowed = measured.filter((m) => maxLatency === undefined || m.latency <= maxLatency);
  const by =
    (key: (m: MeasuredCandidate) => number) => (a: MeasuredCandidate, b: MeasuredCandidate) =>
      key(a) - key(b);
  const fastest = [...allowed].sort(by((m) => m.latency))[0];
  // Sizes within 2 % of the smallest count as equal (variants differing in activations only):
  // the fastest of those.
  const smallest = (list: readonly MeasuredCandidate[]) => {
    const least = Math.min(...list.map((m) => m.bytes));
    return list.filter((m) => m.bytes <= least * 1.02).sort(by((m) => m.latency))[0];
  };
  if (prefer === 'speed') return fastest;
  if (prefer === 'size') return smallest(allowed);
  return smallest(allowed.filter((m) => m.latency <= 1 + tolerance)) ?? fastest;
}

const x = (v: number) => `${v.toFixed(2)}x`;

function words(
  measured: readonly MeasuredCandidate[],
  chosen: MeasuredCandidate | undefined,
  fp32Ms: number,
  threads: number,
  maxLatency: number | undefined,
  tolerance: number,
): string {
  const where = `(${threads} thread${threads === 1 ? '' : 's'}, fp32 ${fp32Ms.toFixed(2)} ms)`;
  if (chosen === undefined) {
    const best = [...measured].sort((a, b) => a.latency - b.latency)[0]!;
    return (
      `no quantized variant meets --max-latency ${x(maxLatency ?? 0)}: the fastest, ` +
      `${best.label}, runs at ${x(best.latency)} fp32's latency ${where}; for speed keep fp32`
    );
  }
  const size = `${x(chosen.smaller)} smaller`;
  if (chosen.latency <= 1 + tolerance) {
    return `${size} at ${x(chosen.latency)} fp32's latency ${where}`;
  }
  const beats = measured.some((m) => m.latency <= 1 + tolerance);
  return beats
    ? `keeps ${size} at ${x(chosen.latency)} latency ${where}; a faster variant exists (--prefer speed)`
    : `keeps ${size} at ${x(chosen.latency)} latency ${where}; for speed keep fp32`;
}

// The accuracy-driven search: start from the recommended configuration, evaluate it, and while
// the target does not hold, fall back the most sensitive layers not yet fallen back, a batch at a
// time (1, 2, 4, ... layers): first to int16 activations, then, if that batch still misses, to
// float. Stops when the target holds or the trial budget ends; every trial is reported.
// Not the sensitivity ranking (sensitivity.ts) nor the metric (the caller's `evaluate`).
import type { TensorRange } from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import type { PlanOptions } from '../passes/index.js';
import { withFallbacks, type Fallback } from './auto-plan.js';
import type { LayerSensitivity, TensorProfile } from './profile-types.js';
import { buildQuantized } from './variants.js';

/** One evaluated configuration. */
export interface Trial {
  readonly index: number;
  /** What changed from the previous trial, in words. */
  readonly change: string;
  /** Layers (by label) at int16 activations and in float. */
  readonly int16: readonly string[];
  readonly float: readonly string[];
  readonly score: number;
  readonly meetsTarget: boolean;
  readonly ms: number;
}

/** What the search needs. */
export interface SearchInput {
  readonly prepared: Uint8Array;
  /** The starting configuration (the recommendations). */
  readonly start: PlanOptions;
  readonly ranges: ReadonlyMap<string, TensorRange>;
  /** Layers most sensitive first (layerSensitivity's order). */
  readonly ranking: readonly LayerSensitivity[];
  /** Activation profiles each layer reads or writes, by layer key. */
  readonly groups: ReadonlyMap<string, readonly TensorProfile[]>;
  /** Node names by layer key. */
  readonly names: ReadonlyMap<string, string>;
  /** Scores a quantized model; higher is better. */
  readonly evaluate: (bytes: Uint8Array) => Promise<number>;
  /** The score that must be reached. */
  readonly target: number;
  /** Trials at most, the starting one included (default 10). */
  readonly trials?: number;
  readonly onTrial?: (trial: Trial) => void;
  /** How trial 1 is described (default 'the recommended configuration'). */
  readonly startLabel?: string;
}

/** Every trial, and the chosen one: the first that meets the target, else the best scoring. */
export interface SearchResult {
  readonly trials: readonly Trial[];
  readonly chosen: Trial;
  readonly reached: boolean;
  readonly options: PlanOptions;
  readonly bytes: Uint8Array;
}

/** The activation profiles each node reads or writes, by node key (first output). */
export function layerGroups(
  graph: Graph,
  profiles: readonly TensorProfile[],
): Map<string, TensorProfile[]> {
  const out = new Map<string, TensorProfile[]>();
  const add = (key: string | undefined, p: TensorProfile) => {
    if (key === undefined) return;
    const list = out.get(key) ?? [];
    if (!list.includes(p)) list.push(p);
    out.set(key, list);
  };
  for (const p of profiles) {
    if (p.kind !== 'activation') continue;
    for (const t of [...p.tensors, ...p.calibrated]) {
      add(graph.producer(t)?.output[0], p);
      for (const node of graph.consumers(t)) add(node.output[0], p);
    }
  }
  return out;
}

/** Runs the search; see the file comment. */
export async function accuracySearch(input: SearchInput): Promise<SearchResult> {
  const budget = input.trials ?? 10;
  const fallbacks = new Map<string, Fallback>();
  const label = new Map(input.ranking.map((l) => [l.node, l.label]));
  const trials: Trial[] = [];
  let best: { trial: Trial; options: PlanOptions; bytes: Uint8Array } | undefined;
  const run = async (change: string): Promise<boolean> => {
    const started = performance.now();
    const options = withFallbacks(input.start, fallbacks, input.groups, input.names);
    const { bytes } = buildQuantized(input.prepared, options, input.ranges);
    const score = await input.evaluate(bytes);
    const at = (level: Fallback) =>
      [...fallbacks].filter(([, l]) => l === level).map(([n]) => label.get(n) ?? n);
    const trial: Trial = {
      index: trials.length + 1,
      change,
      int16: at('int16'),
      float: at('float'),
      score,
      meetsTarget: score >= input.target,
      ms: Math.round(performance.now() - started),
    };
    trials.push(trial);
    input.onTrial?.(trial);
    const improves = best === undefined || trial.meetsTarget || score > best.trial.score;
    if (improves && best?.trial.meetsTarget !== true) best = { trial, options, bytes };
    return trial.meetsTarget;
  };

  let reached = await run(input.startLabel ?? 'the recommended configuration');
  let next = 0;
  let size = 1;
  while (!reached && trials.length < budget && next < input.ranking.length) {
    const batch = input.ranking.slice(next, next + size).map((l) => l.node);
    next += batch.length;
    size *= 2;
    for (const node of batch) fallbacks.set(node, 'int16');
    const names = batch.map((n) => label.get(n) ?? n).join(', ');
    reached = await run(`int16 activations for ${names}`);
    if (reached || trials.length >= budget) break;
    for (const node of batch) fallbacks.set(node, 'float');
    reached = await run(`float for ${names}`);
  }
  const chosen = best!;
  return {
    trials,
    chosen: chosen.trial,
    reached,
    options: chosen.options,
    bytes: chosen.bytes,
  };
}

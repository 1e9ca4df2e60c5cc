// The accuracy-driven search: evaluate the starting configuration (the auto choice, or the
// user's --activations), then, while the target does not hold, take the most sensitive layers
// not yet taken, a batch at a time (1, 2, 4, ... layers), and try on the best configuration so
// far: each group's best-measured calibration method, then int16 activations, then float. A
// trial that scores below its base is reverted; layers whose float trial was reverted join the
// next batch, so the last batch makes every layer float: a reachable target is reached within
// the trial budget's limit. Every trial is reported with its base and outcome.
// With `latency`, a second objective: every trial's latency against fp32 is measured, and once the
// accuracy part is done, the layers measured slower in int8 than in float (latency-placement.ts)
// go float, a trial at a time, kept when the model measured faster than its base and the score
// still meets the target (or, short of it, did not drop): least latency subject to accuracy.
// Not the sensitivity ranking (sensitivity.ts) nor the metric (the caller's `evaluate`).
import type { Graph } from '../onnx/graph.js';
import type { PlanOptions, QuantPlan } from '../passes/index.js';
import { buildQuantized, type RangeSource } from '../ptq/index.js';
import type { LatencyMeasure } from './latency-placement.js';
import { withFallbacks, withMethodChoice, type Fallback } from './auto-plan.js';
import type { LayerSensitivity, TensorProfile } from './profile-types.js';

/** One evaluated configuration. */
export interface Trial {
  readonly index: number;
  /** What this trial changed on its base, in words. */
  readonly change: string;
  /** The trial whose configuration this one changed (0 for the first). */
  readonly base: number;
  /** Layers (by label) at int16 activations and in float. */
  readonly int16: readonly string[];
  readonly float: readonly string[];
  /** Activation groups whose range another calibration method gives. */
  readonly methods: number;
  readonly score: number;
  readonly meetsTarget: boolean;
  /** Whole-model latency over fp32's, measured (null without a latency objective). */
  readonly latency: number | null;
  /** Nodes kept float because they measured slower in int8 (the latency objective's). */
  readonly slowFloat: readonly string[];
  /** Kept as the new base, or reverted (it scored below its base). */
  readonly kept: boolean;
  /** The decision in words, with the scores compared. */
  readonly outcome: string;
  readonly ms: number;
}

/** What the search needs. */
export interface SearchInput {
  readonly prepared: Uint8Array;
  /** The starting configuration. */
  readonly start: PlanOptions;
  readonly source: RangeSource;
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
  /** Trials at most, the starting one included (default 24). */
  readonly trials?: number;
  readonly onTrial?: (trial: Trial) => void;
  /** How trial 1 is described (default 'the recommended configuration'). */
  readonly startLabel?: string;
  /**
   * The latency objective: times models against fp32 in the same interleaved rounds
   * (measureLatency bound to the fp32 model and feeds); absent, the search is accuracy-only.
   */
  readonly latency?: (
    models: readonly { readonly bytes: Uint8Array; readonly plan: QuantPlan }[],
  ) => Promise<{ measures: LatencyMeasure[]; againstFirst: number[] }>;
  /** Latency trials at most after the accuracy part (default 3). */
  readonly latencyRounds?: number;
}

/** Every trial, and the chosen one: the first that meets the target, else the best scoring. */
export interface SearchResult {
  readonly trials: readonly Trial[];
  readonly chosen: Trial;
  readonly reached: boolean;
  readonly options: PlanOptions;
  readonly bytes: Uint8Array;
}

/** The default trial budget: enough for every layer of a ~200-layer model to reach float. */
export const DEFAULT_TRIALS = 24;

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

/** A configuration of the search: fallbacks by layer, on top of the start with method choices. */
interface State {
  readonly fallbacks: ReadonlyMap<string, Fallback>;
  /** Layers whose groups take their best-measured method. */
  readonly methodLayers: ReadonlySet<string>;
  /** Nodes (by name) kept float for latency. */
  readonly slowFloat?: ReadonlySet<string>;
}

/** A latency trial is kept when it measured at least this much faster than its base. */
const LATENCY_KEEP_BELOW = 0.98;

const signedDb = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** Runs the search; see the file comment. */
export async function accuracySearch(input: SearchInput): Promise<SearchResult> {
  const budget = input.trials ?? DEFAULT_TRIALS;
  const label = new Map(input.ranking.map((l) => [l.node, l.label]));
  const labels = (nodes: Iterable<string>) => [...nodes].map((n) => label.get(n) ?? n);
  const trials: Trial[] = [];
  const configure = (state: State): { options: PlanOptions; methods: number } => {
    const groups = [...state.methodLayers].flatMap((n) => input.groups.get(n) ?? []);
    const chosen = withMethodChoice(input.start, groups, input.source.method);
    const fallen = withFallbacks(chosen.options, state.fallbacks, input.groups, input.names);
    const slow = [...(state.slowFloat ?? [])];
    const options =
      slow.length === 0 ? fallen : { ...fallen, exclude: [...(fallen.exclude ?? []), ...slow] };
    return { options, methods: chosen.changed };
  };
  let best:
    | {
        state: State;
        trial: Trial;
        options: PlanOptions;
        bytes: Uint8Array;
        plan: QuantPlan;
        slower: readonly string[];
      }
    | undefined;

  const run = async (state: State, change: string, forLatency = false): Promise<Trial> => {
    const started = performance.now();
    const { options, methods } = configure(state);
    const { bytes, plan } = buildQuantized(input.prepared, options, input.source);
    const score = await input.evaluate(bytes);
    const at = (level: Fallback) =>
      labels([...state.fallbacks].filter(([, l]) => l === level).map(([n]) => n));
    const base = best?.trial;
    // A latency trial times its base beside it (paired); others are timed alone against fp32.
    const timed =
      input.latency === undefined
        ? undefined
        : await input.latency(
            forLatency && best !== undefined ? [best, { bytes, plan }] : [{ bytes, plan }],
          );
    const measure = timed?.measures[timed.measures.length - 1];
    const againstBase = forLatency ? (timed?.againstFirst[1] ?? 1) : 1;
    const accurate =
      base === undefined ||
      score >= base.score ||
      (forLatency && score >= input.target && base.meetsTarget);
    const kept =
      base === undefined || (forLatency ? accurate && againstBase < LATENCY_KEEP_BELOW : accurate);
    const latencyText =
      measure === undefined
        ? ''
        : forLatency
          ? `; latency ${measure.ratio.toFixed(2)}x fp32, ${againstBase.toFixed(3)}x trial ${base?.index ?? 0}'s`
          : `; latency ${measure.ratio.toFixed(2)}x fp32`;
    const outcome =
      (base === undefined
        ? 'the starting point'
        : `${kept ? 'kept' : 'reverted'}: ${score.toFixed(2)} against trial ${base.index}'s ` +
          `${base.score.toFixed(2)} (${signedDb(score - base.score)})`) + latencyText;
    const trial: Trial = {
      index: trials.length + 1,
      change,
      base: base?.index ?? 0,
      int16: at('int16'),
      float: at('float'),
      methods,
      score,
      meetsTarget: score >= input.target,
      latency: measure?.ratio ?? null,
      slowFloat: [...(state.slowFloat ?? [])],
      kept,
      outcome,
      ms: Math.round(performance.now() - started),
    };
    trials.push(trial);
    input.onTrial?.(trial);
    if (kept) best = { state, trial, options, bytes, plan, slower: measure?.slower ?? [] };
    return trial;
  };

  const start: State = { fallbacks: new Map(), methodLayers: new Set() };
  await run(start, input.startLabel ?? 'the recommended configuration');
  const reached = () => best!.trial.meetsTarget;
  const pending = input.ranking.map((l) => l.node);
  let size = 1;
  while (!reached() && trials.length < budget && pending.length > 0) {
    const everything = size >= pending.length;
    const batch = pending.splice(0, size);
    size *= 2;
    const names = labels(batch).join(', ');
    const steps: [string, (s: State) => State][] = [
      [
        `best-measured calibration method for the activations of ${names}`,
        (s) => ({ ...s, methodLayers: new Set([...s.methodLayers, ...batch]) }),
      ],
      [`int16 activations for ${names}`, (s) => withLevel(s, batch, 'int16')],
      [`float for ${names}`, (s) => withLevel(s, batch, 'float')],
    ];
    let floatReverted = false;
    for (const [change, step] of steps) {
      if (reached() || trials.length >= budget) break;
      const state = step(best!.state);
      if (sameOptions(configure(state).options, best!.options)) continue;
      const trial = await run(state, change);
      if (change.startsWith('float')) floatReverted = !trial.kept;
    }
    // A float fallback that scored lower goes again with the next, larger batch; once the
    // batch was every layer left, nothing larger remains.
    if (floatReverted) {
      if (everything) break;
      pending.unshift(...batch.filter((n) => !isFloat(best!, n)));
    }
  }
  // The latency objective: layers measured slower in int8 than in float go float.
  for (let r = 0; input.latency !== undefined && r < (input.latencyRounds ?? 3); r++) {
    if (trials.length >= budget) break;
    const current = best!.state.slowFloat ?? new Set<string>();
    const slower = best!.slower.filter((n) => !current.has(n));
    if (slower.length === 0) break;
    const state: State = { ...best!.state, slowFloat: new Set([...current, ...slower]) };
    const trial = await run(
      state,
      `float for the layers measured slower in int8 than in fp32: ${slower.join(', ')}`,
      true,
    );
    if (!trial.kept) break;
  }
  const chosen = best!;
  return {
    trials,
    chosen: chosen.trial,
    reached: chosen.trial.meetsTarget,
    options: chosen.options,
    bytes: chosen.bytes,
  };
}

function withLevel(state: State, batch: readonly string[], level: Fallback): State {
  const fallbacks = new Map(state.fallbacks);
  for (const node of batch) fallbacks.set(node, level);
  return { ...state, fallbacks };
}

function isFloat(best: { state: State }, node: string): boolean {
  return best.state.fallbacks.get(node) === 'float';
}

function sameOptions(a: PlanOptions, b: PlanOptions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Latency-aware placement: which quantized nodes to keep in float because, measured on this
// machine, their integer form (with the Q/DQ boundaries it causes) costs more than float's. Start
// from a plan, build it (the one builder), time it node by node against fp32, keep float every
// node slower than in fp32, rebuild and time the WHOLE model again; a round is kept only when the
// whole model measured faster than the best so far (a smaller step, the worst half, is tried
// once when the full step is not). Not the accuracy search (search.ts joins the two) and not
// the timing (hardware/node-timing.ts).
import {
  compareNodeTimes,
  pairedRatio,
  timeModelNodes,
  type NodeComparison,
  type RunFeeds,
} from '../hardware/index.js';
import { isZeropointError } from '../core/index.js';
import { buildGraph, readModel } from '../onnx/index.js';
import type { PlanOptions, QuantPlan } from '../passes/index.js';
import { buildQuantized, type BuiltModel, type RangeSource } from '../ptq/index.js';

/** How to time: runs per measurement (interleaved), session threads. */
export interface LatencyTiming {
  readonly feeds: readonly RunFeeds[];
  readonly runs?: number;
  readonly threads?: number;
}

/** A quantized model's measured latency against fp32, and its slower-than-float nodes. */
export interface LatencyMeasure {
  /** Whole-model latency over fp32's (median of per-round ratios). */
  readonly ratio: number;
  readonly ms: number;
  readonly fp32Ms: number;
  /** Nodes (plan labels) that cost more in this model than in fp32, worst first. */
  readonly slower: readonly string[];
  readonly comparison: NodeComparison;
}

/**
 * A node is "slower" when its delta exceeds all of these: 2 us (the profiler's step is 1 us),
 * a tenth of its fp32 time, and half a percent of the fp32 model's (on a shared, noisy machine
 * smaller gains drown; each float node also costs size and moves boundaries onto neighbours).
 */
const MIN_DELTA_MS = 0.002;
const MIN_DELTA_SHARE = 0.1;
const MIN_MODEL_SHARE = 0.005;

/** A round is kept when the whole model measured at least this much faster than the best. */
const KEEP_BELOW = 0.98;

/** Default interleaved runs per measurement. */
export const PLACEMENT_RUNS = 30;

/** The nodes of `plan` that run on integers and measured slower than in fp32, worst first. */
export function slowerNodes(comparison: NodeComparison, plan: QuantPlan): string[] {
  const integer = new Set(
    plan.nodes
      .filter((n) => n.status === 'quantized' || n.status === 'shares-scale')
      .map((n) => n.label),
  );
  return comparison.rows
    .filter(
      (r) =>
        integer.has(r.node) &&
        r.deltaMs > MIN_DELTA_MS &&
        r.deltaMs > MIN_DELTA_SHARE * r.aMs &&
        r.deltaMs > MIN_MODEL_SHARE * comparison.aMs,
    )
    .map((r) => r.node);
}

/**
 * Times `candidates` against `fp32` on `timing.feeds` in the same interleaved rounds; one
 * LatencyMeasure per candidate (its plan names its integer nodes), and the ratios of each
 * candidate against the first (for keeping a round).
 */
export async function measureLatency(
  fp32: Uint8Array,
  candidates: readonly { readonly bytes: Uint8Array; readonly plan: QuantPlan }[],
  timing: LatencyTiming,
): Promise<{ measures: LatencyMeasure[]; againstFirst: number[] }> {
  const times = await timeModelNodes([fp32, ...candidates.map((c) => c.bytes)], timing.feeds, {
    runs: timing.runs ?? PLACEMENT_RUNS,
    ...(timing.threads === undefined ? {} : { threads: timing.threads }),
  });
  const base = times[0]!;
  const measures = candidates.map((c, i) => {
    const comparison = compareNodeTimes(base, times[i + 1]!);
    return {
      ratio: comparison.ratio,
      ms: comparison.bMs,
      fp32Ms: comparison.aMs,
      slower: slowerNodes(comparison, c.plan),
      comparison,
    };
  });
  const first = times[1]!.seconds;
  return { measures, againstFirst: times.slice(1).map((t) => pairedRatio(t.seconds, first)) };
}

/** One round of the placement. */
export interface PlacementRound {
  readonly index: number;
  /** Nodes this round moved to float, and all nodes in float after it (when kept). */
  readonly added: readonly string[];
  readonly float: readonly string[];
  /** Measured whole-model latency over fp32's, and over the best so far before this round. */
  readonly ratio: number;
  readonly againstBest: number;
  readonly kept: boolean;
}

/**
 * What the placement needs: the model as buildQuantized takes it, and how to time. A node whose
 * float fallback needs a range `source` lacks (a calibration of the start plan's tensors only)
 * stays quantized.
 */
export interface PlacementInput extends LatencyTiming {
  readonly prepared: Uint8Array;
  readonly options: PlanOptions;
  readonly source: RangeSource;
  /** Rounds after the first measurement (default 4). */
  readonly rounds?: number;
  readonly onRound?: (round: PlacementRound) => void;
}

/** The chosen placement: the nodes kept float, its model, and every measured round. */
export interface PlacementResult {
  readonly float: readonly string[];
  readonly options: PlanOptions;
  readonly bytes: Uint8Array;
  /** The chosen model's measurement (from the round that chose it). */
  readonly latency: LatencyMeasure;
  /** The starting plan's measurement. */
  readonly start: LatencyMeasure;
  readonly rounds: readonly PlacementRound[];
}

function withFloat(options: PlanOptions, nodes: readonly string[]): PlanOptions {
  return { ...options, exclude: [...(options.exclude ?? []), ...nodes] };
}

/**
 * Builds with `float` nodes excluded; a node whose fallback needs a range the calibration lacks
 * (bad-calibration-data naming a tensor it reads or writes) is dropped from `float` and the
 * build retried. Returns the build and the nodes actually float.
 */
function buildFloat(
  input: PlacementInput,
  float: readonly string[],
): { built: BuiltModel; float: string[] } {
  let nodes = [...float];
  let graph: ReturnType<typeof buildGraph> | undefined;
  for (;;) {
    try {
      return {
        built: buildQuantized(input.prepared, withFloat(input.options, nodes), input.source),
        float: nodes,
      };
    } catch (error) {
      const tensor = isZeropointError(error, 'bad-calibration-data')
        ? error.context.tensor
        : undefined;
      if (tensor === undefined) throw error;
      // The nodes around the tensor (two steps either way: a folded Div or Relu sits between);
      // if none of them is being made float, the last one added goes.
      graph ??= buildGraph(readModel(input.prepared));
      const around = new Set<string>();
      let frontier = [tensor];
      for (let step = 0; step < 2; step++) {
        const next: string[] = [];
        for (const t of frontier) {
          for (const n of [graph.producer(t), ...graph.consumers(t)]) {
            if (n === undefined || around.has(n.name)) continue;
            around.add(n.name);
            next.push(...n.input, ...n.output);
          }
        }
        frontier = next;
      }
      let kept = nodes.filter((n) => !around.has(n));
      if (kept.length === nodes.length) kept = nodes.slice(0, -1);
      if (kept.length === nodes.length) throw error;
      nodes = kept;
    }
  }
}

/** Finds the placement; see the file comment. */
export async function latencyPlacement(input: PlacementInput): Promise<PlacementResult> {
  const build = (options: PlanOptions) => buildQuantized(input.prepared, options, input.source);
  const rounds: PlacementRound[] = [];
  const record = (round: PlacementRound) => {
    rounds.push(round);
    input.onRound?.(round);
  };
  const startBuilt = build(input.options);
  const start = (await measureLatency(input.prepared, [startBuilt], input)).measures[0]!;
  record({ index: 0, added: [], float: [], ratio: start.ratio, againstBest: 1, kept: true });
  let best = { float: [] as string[], built: startBuilt, latency: start };
  for (let r = 1; r <= (input.rounds ?? 4); r++) {
    const slower = best.latency.slower.filter((n) => !best.float.includes(n));
    if (slower.length === 0) break;
    const steps =
      slower.length > 1 ? [slower, slower.slice(0, Math.ceil(slower.length / 2))] : [slower];
    let improved = false;
    for (const step of steps) {
      const { built, float } = buildFloat(input, [...best.float, ...step]);
      const added = float.filter((n) => !best.float.includes(n));
      if (added.length === 0) continue;
      const { measures, againstFirst } = await measureLatency(
        input.prepared,
        [best.built, built],
        input,
      );
      const kept = againstFirst[1]! < KEEP_BELOW;
      const latency = measures[1]!;
      record({
        index: rounds.length,
        added,
        float,
        ratio: latency.ratio,
        againstBest: againstFirst[1]!,
        kept,
      });
      if (kept) {
        best = { float, built, latency };
        improved = true;
        break;
      }
    }
    if (!improved) break;
  }
  return {
    float: best.float,
    options: withFloat(input.options, best.float),
    bytes: best.built.bytes,
    latency: best.latency,
    start,
    rounds,
  };
}

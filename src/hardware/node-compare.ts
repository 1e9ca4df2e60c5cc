// Where the time goes between two models of the same network (fp32 and a quantized variant):
// per node, the time each model spends on it (kernels plus the Q/DQ and layout boundaries
// charged to it), the difference, and its share of the whole-run difference; the rows, summed,
// say how much of that difference they explain. A node one model lacks (a BatchNorm folded into
// its Conv, a Relu folded into a QuantizeLinear) is counted with its nearest producer both share.
// Not timing (node-timing.ts).
import { nodeLabel, type GraphNode } from './node-attribution.js';
import type { ModelNodeTiming } from './node-timing.js';
import { median, pairedRatio } from './timing-stats.js';

/** One node's time in both models. */
export interface NodeDelta {
  /** The node's name (both models' name for it), and its op in the first model. */
  readonly node: string;
  readonly op: string;
  readonly aMs: number;
  readonly bMs: number;
  /** `bMs - aMs`: positive where the second model is slower. */
  readonly deltaMs: number;
  /** deltaMs over the whole-run difference (negative: the node works against it). */
  readonly share: number;
  /** Of bMs, the boundaries (Q/DQ, layout) charged to this node. */
  readonly bBoundaryMs: number;
  /** The first model's nodes counted here (itself and what it absorbed). */
  readonly merged: readonly string[];
}

/** The per-node table and how much of the whole difference it explains. */
export interface NodeComparison {
  /** Largest deltaMs first: the top offenders lead. */
  readonly rows: readonly NodeDelta[];
  /** Median whole-run time of each model (the timing clock: CPU time with one thread), ms. */
  readonly aMs: number;
  readonly bMs: number;
  /** The second model's latency over the first's, the median of per-round ratios. */
  readonly ratio: number;
  /**
   * The median of per-round differences of whole-run time (b - a, on the timing clock: CPU time
   * with one thread, which like the per-node medians leaves out a loaded machine's waits for a
   * core; wall time there put the recognizer's difference at 54 ms for a 16 ms model), and the
   * rows' sum.
   */
  readonly differenceMs: number;
  readonly explainedMs: number;
  /** explainedMs / differenceMs (1: the table accounts for the whole difference). */
  readonly explained: number;
}

const QDQ = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** For each node of `graph`, the node it is counted with: itself if `keep` has it, else upstream. */
function unitsOf(graph: readonly GraphNode[], keep: ReadonlySet<string>): Map<string, string> {
  const producers = new Map<string, GraphNode>();
  for (const n of graph) for (const o of n.output) producers.set(o, n);
  const out = new Map<string, string>();
  const find = (node: GraphNode, seen: Set<GraphNode>): string | undefined => {
    const name = nodeLabel(node);
    if (keep.has(name)) return name;
    if (seen.has(node)) return undefined;
    seen.add(node);
    for (const input of node.input) {
      const p = producers.get(input);
      const hit = p === undefined ? undefined : find(p, seen);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  for (const n of graph) out.set(nodeLabel(n), find(n, new Set()) ?? nodeLabel(n));
  return out;
}

function computeNames(graph: readonly GraphNode[]): Set<string> {
  return new Set(graph.filter((n) => !QDQ.has(n.opType)).map(nodeLabel));
}

/** Compares `b` with `a` node by node; see the file comment. */
export function compareNodeTimes(a: ModelNodeTiming, b: ModelNodeTiming): NodeComparison {
  const inA = computeNames(a.graph);
  const inB = computeNames(b.graph);
  const both = new Set([...inA].filter((n) => inB.has(n)));
  const unitA = unitsOf(a.graph, both);
  const unitB = unitsOf(b.graph, both);
  const rows = new Map<
    string,
    { op: string; aMs: number; bMs: number; bBoundaryMs: number; merged: Set<string> }
  >();
  const ops = new Map(a.graph.map((n) => [nodeLabel(n), n.opType]));
  const row = (unit: string, op: string) => {
    const r = rows.get(unit) ?? { op, aMs: 0, bMs: 0, bBoundaryMs: 0, merged: new Set() };
    rows.set(unit, r);
    return r;
  };
  for (const t of a.nodes) {
    const unit = unitA.get(t.node) ?? t.node;
    const r = row(unit, ops.get(unit) ?? t.op);
    r.aMs += t.kernelMs + t.boundaryMs;
    r.merged.add(t.node);
  }
  for (const t of b.nodes) {
    const unit = unitB.get(t.node) ?? t.node;
    const r = row(unit, ops.get(unit) ?? t.op);
    r.bMs += t.kernelMs + t.boundaryMs;
    r.bBoundaryMs += t.boundaryMs;
  }
  // Paired: the median of per-round differences holds where absolute times drift between rounds.
  const rounds = Math.min(a.seconds.length, b.seconds.length);
  const differenceMs =
    median(Array.from({ length: rounds }, (_, r) => b.seconds[r]! - a.seconds[r]!)) * 1e3;
  const list: NodeDelta[] = [...rows].map(([node, r]) => ({
    node,
    op: r.op,
    aMs: r.aMs,
    bMs: r.bMs,
    deltaMs: r.bMs - r.aMs,
    share: differenceMs === 0 ? 0 : (r.bMs - r.aMs) / differenceMs,
    bBoundaryMs: r.bBoundaryMs,
    merged: [...r.merged],
  }));
  list.sort((x, y) => y.deltaMs - x.deltaMs);
  const explainedMs = list.reduce((s, r) => s + r.deltaMs, 0);
  return {
    rows: list,
    aMs: a.medianMs,
    bMs: b.medianMs,
    ratio: pairedRatio(b.seconds, a.seconds),
    differenceMs,
    explainedMs,
    explained: differenceMs === 0 ? 1 : explainedMs / differenceMs,
  };
}

// Per-node latency of whole models from onnxruntime's own profiler: each model is loaded twice,
// once plain (its whole-run wall time, what a user waits for) and once profiled (its kernels'
// times), and all of them run round after round on the same feeds, interleaved in a rotating
// order; per optimised node the median over rounds, charged to the loaded model's nodes by
// node-attribution.ts. The profiler inflates every kernel's time by a few microseconds (and
// rounds it to whole ones), which on a model of hundreds of small nodes is a large part of its
// time: two chains of tiny nodes (1 and 1 + CHAIN) run in the same rounds measure that inflation,
// and it is subtracted from every event. Not the comparison of two models (node-compare.ts).
import { fail } from '../core/errors.js';
import { ModelBuilder } from '../onnx/build.js';
import { readModel, writeModel } from '../onnx/model.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import { cpuSeconds } from '../runtime/cpu-clock.js';
import type { ProfileEvent } from '../runtime/profile-events.js';
import { attributeTimes, nodeLabel, type GraphNode, type NodeTime } from './node-attribution.js';
import { median, roundOrder } from './timing-stats.js';

/** Inputs of one run, by input name. */
export type RunFeeds = Readonly<Record<string, RuntimeTensor>>;

/** How to time: session threads, warm-up runs, and timed rounds. */
export interface NodeTimingOptions {
  readonly threads?: number;
  readonly warmup?: number;
  readonly runs: number;
  /**
   * Whole-run clock: 'cpu' (the process's CPU time, default with one thread: on a shared machine
   * it leaves out the waits for a core) or 'wall' (default with more threads).
   */
  readonly clock?: 'cpu' | 'wall';
}

/** One model's whole and per-node latency. */
export interface ModelNodeTiming {
  /** Whole-run time of the plain session per round (options.clock), in seconds. */
  readonly seconds: readonly number[];
  readonly medianMs: number;
  /** Whole-run wall time per round, in seconds (whatever `clock` is), for reports. */
  readonly wallSeconds: readonly number[];
  /** Median of onnxruntime's own model_run times of the profiled session, in ms. */
  readonly profiledMs: number;
  /** Time per node of the loaded model (named as nodeLabel names it), boundaries charged. */
  readonly nodes: readonly NodeTime[];
  /** The loaded model's nodes, every one named, for comparisons across models. */
  readonly graph: readonly GraphNode[];
  /** Microseconds the profiler added to each kernel's time, measured and subtracted. */
  readonly overheadUs: number;
}

/** Tiny nodes in the longer calibration chain. */
const CHAIN = 64;

/** A chain of `n` Neg/Relu nodes on 4 floats: nodes that cost the executor and little else. */
function chainModel(n: number): Uint8Array {
  const m = new ModelBuilder('profiler-overhead');
  let x = m.input('x', 'float32', [1, 4]);
  for (let i = 0; i < n; i++) x = m.op(i % 2 === 0 ? 'Neg' : 'Relu', [x]);
  m.output(x, 'float32', [1, 4]);
  return m.bytes();
}

const CHAIN_FEEDS: RunFeeds = {
  x: { type: 'float32', dims: [1, 4], data: new Float32Array(4) },
};

/** `bytes` with every unnamed node named `OpType:first-output`, so ORT keeps a findable name. */
export function nameNodes(bytes: Uint8Array): { bytes: Uint8Array; graph: GraphNode[] } {
  const model = readModel(bytes);
  const used = new Set<string>();
  for (const node of model.graph!.node) {
    let name = nodeLabel(node);
    for (let k = 2; used.has(name); k++) name = `${nodeLabel(node)}#${k}`;
    used.add(name);
    node.name = name;
  }
  return { bytes: writeModel(model), graph: graphNodes(model) };
}

/** A model's nodes as GraphNodes, each named as nodeLabel names it. */
function graphNodes(model: ReturnType<typeof readModel>): GraphNode[] {
  return model.graph!.node.map((n) => ({
    name: nodeLabel(n),
    opType: n.opType,
    input: [...n.input],
    output: [...n.output],
  }));
}

/**
 * Median ms per profiled node over the runs after `skip` (each run's events, summed by node),
 * each event less `overheadMs` (not below 0).
 */
export function nodeMedians(
  events: readonly ProfileEvent[],
  skip: number,
  overheadMs = 0,
): Map<string, number> {
  const runs = events.filter((e) => e.category === 'Session' && e.name === 'model_run').slice(skip);
  const perRun = runs.map(() => new Map<string, number>());
  for (const e of events) {
    if (e.category !== 'Node') continue;
    const r = runs.findIndex((run) => e.start >= run.start && e.start <= run.start + run.duration);
    if (r < 0) continue;
    const ms = Math.max(0, e.duration / 1e3 - overheadMs);
    perRun[r]!.set(e.name, (perRun[r]!.get(e.name) ?? 0) + ms);
  }
  const names = new Set(perRun.flatMap((m) => [...m.keys()]));
  return new Map([...names].map((n) => [n, median(perRun.map((m) => m.get(n) ?? 0))]));
}

/** Times every model on `feeds` (cycled), interleaved; see the file comment. */
export async function timeModelNodes(
  models: readonly Uint8Array[],
  feeds: readonly RunFeeds[],
  options: NodeTimingOptions,
): Promise<ModelNodeTiming[]> {
  if (feeds.length === 0) fail('bad-argument', 'per-node timing needs at least one input batch');
  const threads = options.threads ?? 1;
  const warmup = Math.max(1, options.warmup ?? 2);
  const clock =
    (options.clock ?? (threads === 1 ? 'cpu' : 'wall')) === 'cpu'
      ? cpuSeconds
      : () => performance.now() / 1e3;
  const named = [
    ...models.map(nameNodes),
    nameNodes(chainModel(1)),
    nameNodes(chainModel(CHAIN + 1)),
  ];
  const plain: Session[] = [];
  const profiled: Session[] = [];
  try {
    for (const m of named) {
      plain.push(await createSession(m.bytes, { threads }));
      profiled.push(await createSession(m.bytes, { threads, profile: true }));
    }
    const seconds = named.map(() => [] as number[]);
    const wall = named.map(() => [] as number[]);
    for (let round = -warmup; round < options.runs; round++) {
      const batch = feeds[(round + warmup) % feeds.length]!;
      for (const i of roundOrder(named.length, round + warmup)) {
        const feedsOf = i < models.length ? batch : CHAIN_FEEDS;
        const t0 = clock();
        const w0 = performance.now();
        await plain[i]!.run(feedsOf);
        const w1 = performance.now();
        if (round >= 0) seconds[i]!.push(clock() - t0);
        if (round >= 0) wall[i]!.push((w1 - w0) / 1e3);
        await profiled[i]!.run(feedsOf);
      }
    }
    const profiles = profiled.map((s) => s.endProfiling!());
    // Inflation per kernel: the long chain's median event less what one of its nodes adds to a
    // plain run (the two chains' difference over CHAIN).
    const chainEvents = profiles[models.length + 1]!.events.filter((e) => e.category === 'Node');
    const plainPerNode =
      (median(seconds[models.length + 1]!) - median(seconds[models.length]!)) / CHAIN;
    const overheadMs = Math.max(
      0,
      median(chainEvents.map((e) => e.duration / 1e3)) - plainPerNode * 1e3,
    );
    return models.map((_, i) => {
      const profile = profiles[i]!;
      const runs = profile.events
        .filter((e) => e.name === 'model_run')
        .slice(warmup)
        .map((e) => e.duration / 1e3);
      const times = nodeMedians(profile.events, warmup, overheadMs);
      return {
        seconds: seconds[i]!,
        medianMs: median(seconds[i]!) * 1e3,
        wallSeconds: wall[i]!,
        profiledMs: median(runs),
        nodes: attributeTimes(
          named[i]!.graph,
          graphNodes(readModel(profile.optimizedModel)),
          times,
        ),
        graph: named[i]!.graph,
        overheadUs: overheadMs * 1e3,
      };
    });
  } finally {
    for (const s of [...plain, ...profiled]) await s.release();
  }
}

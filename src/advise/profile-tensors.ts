// Profiles every tensor a quantization plan quantizes: each activation group from the merged
// calibration histograms of its members, each weight from its values; statistics, candidates,
// a display histogram and the recommendation. Not calibration (ptq/) and not the model-level
// flow (profile-model.ts), which adds held-out measurements and sensitivity.
import { Histogram, HistogramObserver, RANGE_GUARD_DB } from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import type { ActivationGroup, QuantPlan } from '../passes/index.js';
import type { CalibrationResult } from '../ptq/index.js';
import { schemeCost, type StorageChoice } from './storage-choice.js';
import {
  activationCandidates,
  weightCandidates,
  type Candidate,
  type RangeMethod,
} from './candidates.js';
import { displayFromSnapshot, displayFromValues } from './display-histogram.js';
import { storedCost, type HardwareProfile } from '../hardware/index.js';
import type { TensorProfile } from './profile-types.js';
import {
  recommendActivation,
  recommendedCandidate,
  recommendWeight,
  type Recommendation,
} from './recommend.js';
import { statsOfHistogram, statsOfValues } from './tensor-stats.js';

/** What profiling the tensors needs besides the plan. */
export interface TensorProfileContext {
  readonly graph: Graph;
  readonly plan: QuantPlan;
  readonly calibration: CalibrationResult;
  readonly hardware: HardwareProfile;
  readonly storage: StorageChoice;
  /** The calibration method the recommendation takes its range from. */
  readonly method: RangeMethod;
  /** Tensors that reach a graph output through float ops: they keep their full range. */
  readonly near: ReadonlySet<string>;
}

/** The union of the calibration histograms of a group's tensors (undefined: none calibrated). */
export function groupHistogram(
  group: ActivationGroup,
  calibration: CalibrationResult,
): Histogram | undefined {
  const merged = new Histogram();
  let any = false;
  for (const tensor of group.calibrate) {
    const observer = calibration.observers.get(tensor);
    if (!(observer instanceof HistogramObserver)) return undefined;
    merged.merge(observer.histogram);
    any = true;
  }
  return any ? merged : undefined;
}

/** Op types of the integer nodes that read any of `tensors`. */
function consumersOf(graph: Graph, plan: QuantPlan, tensors: readonly string[]): string[] {
  const integer = new Set(
    plan.nodes
      .filter((d) => d.status === 'quantized' || d.status === 'shares-scale')
      .map((d) => d.node),
  );
  const ops = new Set<string>();
  for (const t of tensors) {
    for (const node of graph.consumers(t)) {
      if (integer.has(node.output[0] ?? '')) ops.add(node.opType);
    }
  }
  return [...ops];
}

/** Profiles of the plan's activation groups; `skipped` collects groups that cannot be profiled. */
export function profileActivations(
  context: TensorProfileContext,
  skipped: string[],
): TensorProfile[] {
  const { graph, plan, calibration, hardware, storage, near } = context;
  const out: TensorProfile[] = [];
  for (const group of plan.groups) {
    const histogram = groupHistogram(group, calibration);
    if (histogram === undefined) {
      skipped.push(
        group.fixedRange === undefined
          ? `activation '${group.id}': no calibration histogram (calibrate with a histogram method)`
          : `activation '${group.id}': its range is fixed by the config, not profiled`,
      );
      continue;
    }
    const snapshot = histogram.snapshot();
    const stats = statsOfHistogram(snapshot);
    const clamp = group.clamp ?? {};
    const candidates = activationCandidates(histogram, clamp);
    const consumers = consumersOf(graph, plan, group.tensors);
    const costs = {
      symmetric: schemeCost(hardware, storage, 'symmetric', consumers),
      asymmetric: schemeCost(hardware, storage, 'asymmetric', consumers),
      qtype: storage.qtype,
    };
    const full = [...group.tensors, ...group.calibrate].some((t) => near.has(t));
    const method: RangeMethod = full ? 'minmax' : context.method;
    const producer = graph.producer(group.id);
    const candidateCosts = {
      'symmetric int8': costs.symmetric,
      'asymmetric uint8': storedCost(hardware, 'uint8', true, consumers),
      'asymmetric int8': storedCost(hardware, 'int8', true, consumers),
    };
    out.push({
      kind: 'activation',
      id: group.id,
      tensors: group.tensors,
      calibrated: group.calibrate,
      consumers,
      node: producer === undefined ? 'graph input' : nodeLabel(producer),
      shape: null,
      clamp: group.clamp ?? null,
      stats,
      histogram: displayFromSnapshot(snapshot),
      candidates,
      costs: candidateCosts,
      recommendation: guardedRange(
        fullRange(recommendActivation(stats, candidates, costs, method), full),
        candidates,
      ),
      measured: null,
    });
  }
  return out;
}

/** A recommendation for a tensor that keeps its full range, saying why. */
function fullRange(r: Recommendation, full: boolean): Recommendation {
  if (!full) return r;
  return { ...r, reason: `${r.reason}; full range, as it reaches the output through float ops` };
}

/** A recommendation whose method's range the range guard replaces, saying so with the numbers. */
function guardedRange(r: Recommendation, candidates: readonly Candidate[]): Recommendation {
  const chosen = recommendedCandidate(candidates, r);
  if (chosen === undefined || chosen.guarded === null) return r;
  const { range, sqnrDb } = chosen.guarded;
  return {
    ...r,
    reason:
      `${r.reason}; min/max range: ${r.method}'s [${g(range.min)}, ${g(range.max)}] expects ` +
      `${db(sqnrDb)} dB against min/max's ${db(chosen.metrics.sqnrDb)} dB, ` +
      `more than the range guard's ${RANGE_GUARD_DB} dB below`,
  };
}

const g = (x: number): string => String(Number(x.toPrecision(3)));
const db = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'exact');

/** Profiles of the plan's weights, from their values. */
export function profileWeights(context: TensorProfileContext): TensorProfile[] {
  const { graph, plan } = context;
  const out: TensorProfile[] = [];
  const seen = new Set<string>();
  for (const entry of plan.constants) {
    if (entry.role !== 'weight' || seen.has(entry.tensor)) continue;
    seen.add(entry.tensor);
    const value = graph.constantValue(entry.tensor);
    if (value === undefined || !(value.data instanceof Float32Array)) continue;
    const x = value.data;
    const stats = statsOfValues(x);
    const candidates = weightCandidates(x, value.shape, entry.axis);
    const node = graph.producer(entry.node);
    out.push({
      kind: 'weight',
      id: entry.tensor,
      tensors: [entry.tensor],
      calibrated: [],
      consumers: node === undefined ? [] : [node.opType],
      node: node === undefined ? entry.node : nodeLabel(node),
      shape: value.shape,
      clamp: null,
      stats,
      histogram: displayFromValues(x),
      candidates,
      costs: {},
      recommendation: recommendWeight(stats, candidates, entry.axis !== undefined),
      measured: null,
    });
  }
  return out;
}

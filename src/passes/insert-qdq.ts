// Applies a quantization plan with calibrated ranges: activation parameters from core's
// chooseQParams, QuantizeLinear -> DequantizeLinear for planned tensors, folded Relu/Clip and
// Mul/Div removed, weights, biases and constant inputs stored as integers. The same graph, plan
// and ranges give the same model byte for byte (names and order follow the plan's order).
// Not planning (plan-quantization.ts) and not calibration.
import { chooseQParams, fail, QTYPES, type QType } from '../core/index.js';
import type { TensorRange } from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import { defaultOpset } from '../onnx/model.js';
import { opSpec } from '../onnx/op-specs.js';
import { weightRoundingShift } from './bias-correction.js';
import { dropIfUnused } from './conv-affine.js';
import { insertActivations } from './insert-activations.js';
import { offsetResiduals } from './offset-residual.js';
import {
  biasMinScale,
  storeBias,
  storeConstant,
  storeWeight,
  type WeightCache,
} from './insert-constants.js';
import type { ActivationGroup, QuantPlan } from './plan-types.js';

/** Parameters chosen for one activation group. */
export interface GroupParams {
  readonly id: string;
  readonly qtype: QType;
  readonly scale: number;
  readonly zeroPoint: number;
  /** The real range the parameters were chosen for (after clamps). */
  readonly min: number;
  readonly max: number;
}

/** What insertQdq did. */
export interface InsertReport {
  readonly groups: readonly GroupParams[];
  /** QuantizeLinear nodes inserted for activations (each with its DequantizeLinear). */
  readonly pairs: number;
  readonly weights: number;
  readonly biases: number;
  readonly constants: number;
  /** Nodes removed by folds (Relu/Clip into ranges, Mul/Div into scales). */
  readonly folded: number;
  /** Bias values that saturated at the int32 limits (tiny input x weight scales). */
  readonly saturatedBias: number;
  /** Biases corrected for the mean shift of their weights' rounding (bias-correction.ts). */
  readonly correctedBias: number;
}

/**
 * Values learned by fine-tuning (qat/) that replace what insertQdq would choose: activation
 * groups' scale and zero point by group id, weights' per-channel (or one) scales by the
 * weight's float tensor name. Weights and biases themselves are float initializers the caller
 * replaced before planning (buildQuantized's `learned.values`).
 */
export interface LearnedParams {
  readonly groups?: ReadonlyMap<string, { readonly scale: number; readonly zeroPoint: number }>;
  readonly weightScales?: ReadonlyMap<string, Float32Array>;
}

/** The real range of a group: fixed, or the union of its calibrated ranges, clipped to clamps. */
function groupRange(group: ActivationGroup, ranges: ReadonlyMap<string, TensorRange>) {
  let { min, max } = group.fixedRange ?? { min: Infinity, max: -Infinity };
  for (const name of group.calibrate) {
    const r =
      ranges.get(name) ??
      fail('bad-calibration-data', `no calibrated range for tensor '${name}'`, { tensor: name });
    min = Math.min(min, r.min);
    max = Math.max(max, r.max);
  }
  min = Math.max(min, group.clamp?.min ?? -Infinity);
  max = Math.max(min, Math.min(max, group.clamp?.max ?? Infinity));
  return { min, max };
}

/**
 * The range widened (within the group's clamp) to hold -offset / factor of every tensor a folded
 * Add/Sub derives from the group, so that its shifted zero point stays inside the integer type.
 */
function reachOffsets(
  group: ActivationGroup,
  range: { min: number; max: number },
  plan: QuantPlan,
) {
  let { min, max } = range;
  for (const s of plan.scaled) {
    if (s.offset === 0 || !group.tensors.includes(s.from)) continue;
    const zero = -s.offset / s.factor;
    min = Math.max(Math.min(min, zero), group.clamp?.min ?? -Infinity);
    max = Math.min(Math.max(max, zero), group.clamp?.max ?? Infinity);
  }
  return { min, max };
}

/**
 * Rewrites `graph` per `plan` with `ranges` (calibrated min/max by tensor name). The model must
 * be at plan.opset or later (upgradeOpset first); fails with `bad-calibration-data` naming a
 * tensor whose range is missing. `means` (per-channel means by tensor name, for the tensors of
 * plan.channelMeans) turns on bias correction for the nodes they feed. `learned` replaces chosen
 * parameters (a group's range is then the one its learned grid covers).
 */
export function insertQdq(
  graph: Graph,
  plan: QuantPlan,
  ranges: ReadonlyMap<string, TensorRange>,
  means: ReadonlyMap<string, ArrayLike<number>> = new Map(),
  learned: LearnedParams = {},
): InsertReport {
  const opset = defaultOpset(graph.model);
  if (opset < plan.opset) {
    fail(
      'bad-model',
      `the model is at opset ${opset}; run upgradeOpset(model, ${plan.opset}) first`,
    );
  }
  const node = (key: string) =>
    graph.producer(key) ?? fail('bad-argument', `the plan names node '${key}', not in the graph`);

  // Folded nodes go first: a clamp's readers read its producer's output directly; a scaled
  // tensor's readers wait for the DequantizeLinear insertActivations adds.
  const scaled = new Set(plan.scaled.map((s) => s.tensor));
  const folded = plan.nodes.filter((d) => d.status === 'folded');
  for (const d of folded) {
    const gone = node(d.node);
    graph.removeNode(gone);
    if (!scaled.has(d.node)) graph.replaceUses(d.node, gone.input[0]!);
    for (const name of gone.input) dropIfUnused(graph, name);
  }

  const groups = plan.groups.map((group): GroupParams => {
    const fixed = learned.groups?.get(group.id);
    if (fixed !== undefined) {
      const { scale, zeroPoint } = fixed;
      const { qmin, qmax } = QTYPES[group.qtype];
      const [min, max] = [(qmin - zeroPoint) * scale, (qmax - zeroPoint) * scale];
      return { id: group.id, qtype: group.qtype, scale, zeroPoint, min, max };
    }
    const { min, max } = reachOffsets(group, groupRange(group, ranges), plan);
    const { scale, zeroPoint } = chooseQParams(min, max, group);
    return { id: group.id, qtype: group.qtype, scale, zeroPoint, min, max };
  });
  const scaleOf = new Map<string, number>();
  plan.groups.forEach((g, i) => g.tensors.forEach((t) => scaleOf.set(t, groups[i]!.scale)));
  for (const s of plan.scaled) {
    const base = scaleOf.get(s.from) ?? fail('bad-argument', `'${s.from}' is not quantized`);
    scaleOf.set(s.tensor, Math.fround(base * s.factor));
  }

  // Constants before activations, while node inputs still carry the float tensors' names.
  const cache: WeightCache = new Map();
  const weightScales = new Map<string, Float32Array>();
  const paramsOf = new Map<string, GroupParams>();
  plan.groups.forEach((g, i) => g.tensors.forEach((t) => paramsOf.set(t, groups[i]!)));
  const shifts = offsetResiduals(graph, plan, (t) => paramsOf.get(t), scaleOf);
  const corrected = new Set<string>();
  const meanInputs = new Map(plan.channelMeans.map((m) => [m.node, m.tensor]));
  const constantCache = new Map<string, string>();
  const counts = { weight: 0, bias: 0, constant: 0, saturated: 0, corrected: 0 };
  for (const entry of plan.constants) {
    const target = node(entry.node);
    const biasSpec = opSpec(target)?.bias;
    const inputScale = scaleOf.get(target.input[biasSpec?.activation ?? -1] ?? '');
    let output: string;
    if (entry.role === 'weight') {
      const bias = plan.constants.find((c) => c.node === entry.node && c.role === 'bias');
      const minScale =
        bias === undefined || inputScale === undefined
          ? undefined
          : biasMinScale(graph, bias, inputScale, entry.axis === undefined);
      const stored = storeWeight(
        graph,
        entry,
        cache,
        minScale,
        learned.weightScales?.get(entry.tensor),
      );
      weightScales.set(entry.node, stored.params.scale);
      const inputMeans = means.get(meanInputs.get(entry.node) ?? '');
      const w = graph.constantValue(entry.tensor);
      if (inputMeans !== undefined && w?.dtype === 'float32') {
        const shift = weightRoundingShift(target, w.data, w.shape, stored.params, inputMeans);
        if (shift !== undefined) {
          shifts.get(entry.node)?.forEach((r, c) => (shift[c]! += r));
          shifts.set(entry.node, shift);
          corrected.add(entry.node);
        }
      }
      output = stored.output;
    } else if (entry.role === 'bias') {
      const weightScale = weightScales.get(entry.node);
      if (weightScale === undefined || inputScale === undefined) {
        fail('bad-argument', `the bias of '${entry.node}' needs a quantized input and weight`);
      }
      const shift = shifts.get(entry.node);
      const stored = storeBias(graph, entry, inputScale, weightScale, shift);
      counts.saturated += stored.saturated;
      if (corrected.has(entry.node)) counts.corrected++;
      output = stored.output;
    } else {
      const { qtype, scheme } = plan.activation;
      output = storeConstant(graph, entry, qtype, scheme, constantCache);
    }
    counts[entry.role]++;
    graph.setInput(target, entry.input, output);
    dropIfUnused(graph, entry.tensor);
  }

  const status = new Map(plan.nodes.map((d) => [d.node, d.status]));
  const integer = (key: string) => {
    const s = status.get(key);
    return s === 'quantized' || s === 'shares-scale';
  };
  const pairs = insertActivations(graph, plan, groups, scaleOf, integer);
  return {
    groups,
    pairs,
    weights: counts.weight,
    biases: counts.bias,
    constants: counts.constant,
    folded: folded.length,
    saturatedBias: counts.saturated,
    correctedBias: counts.corrected,
  };
}

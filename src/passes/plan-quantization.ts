// Plans static QDQ quantization of a float graph for onnxruntime: which nodes run as integer
// kernels, which Relu/Clip fold into their producer's range, which scale-preserving ops run on
// integers with shared parameters, which tensors get QuantizeLinear -> DequantizeLinear and
// need calibrated ranges, and why every other node stays float. Graph outputs stay float.
// Pure decision: no ranges, no edits (insert-qdq.ts applies the plan).
import { fail, isQType, QTYPES } from '../core/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { opSpec, type Bounds } from '../onnx/op-specs.js';
import { channelMeanInput } from './bias-correction.js';
import { foldClamps, foldScales, keepClampedOffsets, type FoldState } from './plan-folds.js';
import { FLOAT32, inferElementTypes } from './element-types.js';
import { buildGroups, TensorSets } from './plan-groups.js';
import { MASK_STAYS_FLOAT, maskReaders } from './plan-masks.js';
import {
  ACTIVATION_MATMUL_FUSED_REASON,
  ACTIVATION_MATMUL_REASON,
  OUTPUT_STAYS_FLOAT,
  classifyNode,
  nodeKey,
  type Classified,
  type KernelNode,
} from './plan-nodes.js';
import {
  activationQuant,
  DEFAULT_ACTIVATION_MATMUL,
  requiredOpset,
  type NodeDecision,
  type PlanOptions,
  type QuantPlan,
} from './plan-types.js';

/**
 * A node's decision ('not planned' when none); an activation x activation MatMul kept float whose
 * inputs and output all get QDQ from their neighbours says that onnxruntime fuses it anyway.
 */
function withNeighbourQdq(
  node: NodeProto,
  decision: Omit<NodeDecision, 'label' | 'node' | 'opType'> | undefined,
  groups: readonly { readonly tensors: readonly string[] }[],
): Omit<NodeDecision, 'label' | 'node' | 'opType'> {
  if (decision === undefined) return { status: 'float', reason: 'not planned' };
  if (decision.reason !== ACTIVATION_MATMUL_REASON) return decision;
  const quantized = new Set(groups.flatMap((g) => g.tensors));
  const all = [...node.input, ...node.output].filter((t) => t !== '');
  return all.every((t) => quantized.has(t))
    ? { ...decision, reason: ACTIVATION_MATMUL_FUSED_REASON }
    : decision;
}

/** Decides what of `graph` is quantized under `options`; the graph is not modified. */
export function planQuantization(graph: Graph, options: PlanOptions = {}): QuantPlan {
  checkOverrides(options);
  const types = inferElementTypes(graph);
  const env = {
    graph,
    options,
    isFloat: (name: string) => name !== '' && types.get(name) === FLOAT32,
    isConstant: (name: string) => name !== '' && graph.constant(name) !== undefined,
  };
  const nodes = graph.nodes.filter((n) => n.opType !== 'Constant');
  const kinds = new Map<NodeProto, Classified>(nodes.map((n) => [n, classifyNode(n, env)]));
  for (const node of maskReaders(graph, kinds)) {
    kinds.set(node, { kind: 'float', reason: MASK_STAYS_FLOAT });
  }
  keepClampedOffsets(env, kinds);
  const decisions = new Map<NodeProto, Omit<NodeDecision, 'label' | 'node' | 'opType'>>();
  const kernels = new Map<NodeProto, KernelNode>();
  for (const [node, kind] of kinds) {
    if (kind.kind === 'float') decisions.set(node, { status: 'float', reason: kind.reason });
    if (kind.kind === 'kernel') kernels.set(node, kind);
  }
  const state: FoldState = {
    env,
    kinds,
    decisions,
    kernels,
    alias: new Map(),
    clamps: new Map(),
    rangeSources: new Map(),
    derived: new Map(),
  };
  foldClamps(state, activationQuant(options).scheme);
  foldScales(state);
  const { derived, clamps, rangeSources } = state;
  const resolve = (name: string) => state.alias.get(name) ?? name;

  // Quantized tensors: kernel inputs and outputs; then scale-preserving ops next to them.
  const sets = new TensorSets();
  for (const [node, kernel] of kernels) {
    decisions.set(node, { status: 'quantized' });
    for (const name of kernel.activations) {
      if (!derived.has(resolve(name))) sets.add(resolve(name));
    }
    if (kernel.output !== undefined) sets.add(kernel.output);
    if (opSpec(node)?.activations === 'variadic' && options.concat === 'share') {
      const members = [
        ...kernel.activations.map(resolve).filter((name) => !derived.has(name)),
        ...(kernel.output ? [kernel.output] : []),
      ];
      for (const m of members) sets.union(members[0]!, m);
    }
  }
  // A scale-preserving op runs on integers when a neighbour is quantized anyway: it joins its
  // input's group, and quantization spreads along chains (Reshape -> Transpose) to a fixpoint.
  const sharing = [...kinds].filter(([, k]) => k.kind === 'shares-scale').map(([n]) => n);
  for (const node of sharing) {
    const input = resolve(node.input[0] ?? '');
    const constantReason = opSpec(node)?.constantInputReason;
    if (env.isConstant(input) && constantReason !== undefined) {
      decisions.set(node, { status: 'float', reason: constantReason });
    } else if (!env.isFloat(input) || env.isConstant(input) || derived.has(input)) {
      decisions.set(node, { status: 'float', reason: 'its input is not a float activation' });
    } else if (node.output.some((o) => graph.isGraphOutput(o))) {
      decisions.set(node, { status: 'float', reason: OUTPUT_STAYS_FLOAT });
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const node of sharing) {
      const input = resolve(node.input[0] ?? '');
      const outs = node.output.filter((o) => o !== '');
      if (decisions.has(node) || (!sets.has(input) && !outs.some((o) => sets.has(o)))) continue;
      for (const o of outs) sets.union(input, o);
      decisions.set(node, { status: 'shares-scale' });
      changed = true;
    }
  }
  for (const node of sharing) {
    if (!decisions.has(node)) {
      decisions.set(node, {
        status: 'float',
        reason: "keeps its input's scale, but neither its input nor its output is quantized",
      });
    }
  }

  const order = new Map<string, number>();
  for (const v of graph.proto.input) order.set(v.name, order.size);
  for (const node of graph.nodes) for (const o of node.output) order.set(o, order.size);
  // Ops with a known output range (Sigmoid: [0, 1]) bound their calibrated range the same way.
  const bounds = new Map<string, Bounds>(clamps);
  for (const node of graph.nodes) {
    const range = opSpec(node)?.outputRange;
    const out = node.output[0] ?? '';
    const c = bounds.get(out) ?? [-Infinity, Infinity];
    if (range !== undefined) bounds.set(out, [Math.max(c[0], range[0]), Math.min(c[1], range[1])]);
  }
  const groups = buildGroups(sets, {
    ...activationQuant(options),
    overrides: options.tensors ?? {},
    bounds,
    rangeSources,
    order,
  });
  const calibrate = [...new Set(groups.flatMap((g) => g.calibrate))].sort(
    (a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0),
  );
  return {
    opset: requiredOpset(options),
    activation: activationQuant(options),
    activationMatMul: options.activationMatMul ?? DEFAULT_ACTIVATION_MATMUL,
    groups,
    constants: nodes.flatMap((node) => kernels.get(node)?.constants ?? []),
    nodes: nodes.map((node) => ({
      label: nodeLabel(node),
      node: nodeKey(node),
      opType: node.opType,
      ...withNeighbourQdq(node, decisions.get(node), groups),
    })),
    calibrate,
    scaled: [...derived].map(([tensor, d]) => ({ tensor, ...d })),
    channelMeans:
      options.biasCorrection !== true
        ? []
        : nodes.flatMap((node) => {
            const k = kernels.get(node);
            const hasBias = k?.constants.some((c) => c.role === 'bias') === true;
            const input = hasBias ? channelMeanInput(node, nodeKey(node)) : undefined;
            return input === undefined ? [] : [input];
          }),
  };
}

function checkOverrides(options: PlanOptions): void {
  for (const [tensor, o] of Object.entries(options.tensors ?? {})) {
    if (o.qtype !== undefined && (!isQType(o.qtype) || QTYPES[o.qtype].bits < 4)) {
      fail('unsupported-qtype', `tensor '${tensor}': activations cannot be ${o.qtype}`, { tensor });
    }
    if (o.range !== undefined && !(o.range.min <= o.range.max)) {
      fail('bad-range', `tensor '${tensor}': range [${o.range.min}, ${o.range.max}]`, { tensor });
    }
  }
}

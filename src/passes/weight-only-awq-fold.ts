// Pass: applies AWQ (weight-only-awq.ts) before the weight-only emitters. Targets reading one
// activation form a group; for each, the searched s multiplies the weights' K axis (new
// initializers) and 1/s is folded where that is exact: into a LayerNormalization's scale and
// bias, into an affine Mul (-> Add) by per-channel constants (a decomposed LayerNorm's tail), or
// else a Mul by 1/s is inserted in front of the group. The emitters then round the scaled
// weights as usual (RTN), so alpha 0 leaves the graph, and the bytes, as they were.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrInt, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { awqSearch, type AwqWeight } from './weight-only-awq.js';
import type { BlockSpec } from './weight-only-blocks.js';
import type { ActivationStats } from './weight-only-hessian.js';
import { dropIfUnused, weightMatrix, type WeightTarget } from './weight-only-targets.js';

/** How a group's 1/s was applied (or why the group was left as RTN). */
export interface AwqGroup {
  readonly activation: string;
  readonly weights: readonly string[];
  readonly alpha: number;
  /** Output error on the calibration data relative to RTN's (1 when alpha is 0). */
  readonly errorRatio: number;
  readonly fold: 'none' | 'LayerNormalization' | 'Mul' | 'Mul+Add' | 'Mul in front';
  /** Why the group kept RTN without a search, when it did. */
  readonly skipped?: string;
}

/** A per-channel float constant of length k (shape [k] or [1, ..., k]), else undefined. */
function channelConstant(graph: Graph, name: string, k: number): Float32Array | undefined {
  const value = graph.constantValue(name);
  if (value?.dtype !== 'float32' || value.data.length !== k) return undefined;
  if (value.shape[value.shape.length - 1] !== k) return undefined;
  return value.data;
}

/** Points input `index` of `node` at a new initializer holding `data` [k] divided by s. */
function divideInput(
  graph: Graph,
  node: NodeProto,
  index: number,
  data: Float32Array,
  s: Float32Array,
): void {
  const old = node.input[index]!;
  const value = graph.constantValue(old)!;
  const name = graph.uniqueName(`${old}_awq`);
  const divided = Float32Array.from(data, (v, i) => Math.fround(v / s[i]!));
  graph.addInitializer(
    tensorToProto({ name, dtype: 'float32', shape: value.shape, data: divided }),
  );
  graph.setInput(node, index, name);
  dropIfUnused(graph, old);
}

/** The one non-constant input of a binary node and the index of its per-channel constant. */
function affineInput(
  graph: Graph,
  node: NodeProto,
  k: number,
): { x: string; c: number } | undefined {
  const [a = '', b = ''] = node.input;
  if (node.input.length !== 2) return undefined;
  if (channelConstant(graph, b, k) !== undefined && graph.constant(a) === undefined)
    return { x: a, c: 1 };
  if (channelConstant(graph, a, k) !== undefined && graph.constant(b) === undefined)
    return { x: b, c: 0 };
  return undefined;
}

/** Folds 1/s into the producer of `activation` where exact; returns how, or undefined. */
function foldUpstream(
  graph: Graph,
  activation: string,
  s: Float32Array,
): AwqGroup['fold'] | undefined {
  const k = s.length;
  const producer = graph.producer(activation);
  if (producer === undefined || !isDefaultDomain(producer.domain)) return undefined;
  if (producer.opType === 'LayerNormalization') {
    const axis = attrInt(producer, 'axis', -1);
    const scale = channelConstant(graph, producer.input[1] ?? '', k);
    const bias = producer.input[2] ? channelConstant(graph, producer.input[2], k) : null;
    if (axis !== -1 || scale === undefined || bias === undefined) return undefined;
    divideInput(graph, producer, 1, scale, s);
    if (bias !== null) divideInput(graph, producer, 2, bias, s);
    return 'LayerNormalization';
  }
  const outer = affineInput(graph, producer, k);
  if (outer === undefined) return undefined;
  if (producer.opType === 'Mul') {
    divideInput(graph, producer, outer.c, channelConstant(graph, producer.input[outer.c]!, k)!, s);
    return 'Mul';
  }
  if (producer.opType !== 'Add') return undefined;
  const mul = graph.producer(outer.x);
  const inner = mul === undefined ? undefined : affineInput(graph, mul, k);
  if (mul?.opType !== 'Mul' || inner === undefined || graph.uses(outer.x).length !== 1)
    return undefined;
  if (graph.isGraphOutput(outer.x)) return undefined;
  divideInput(graph, mul, inner.c, channelConstant(graph, mul.input[inner.c]!, k)!, s);
  divideInput(graph, producer, outer.c, channelConstant(graph, producer.input[outer.c]!, k)!, s);
  return 'Mul+Add';
}

/** Replaces the target's weight by W diag(s), under the same name and layout. */
function scaleWeight(graph: Graph, target: WeightTarget, s: Float32Array): void {
  const value = graph.constantValue(target.weight)!;
  const data = Float32Array.from(value.data as Float32Array);
  const { k, n } = target;
  for (let i = 0; i < data.length; i++) {
    const channel = target.layout === 'KN' ? Math.floor(i / n) : i % k;
    data[i] = Math.fround(data[i]! * s[channel]!);
  }
  // The weight is read by this node only (groupProblem), so it keeps its name.
  graph.removeInitializer(target.weight);
  graph.addInitializer(
    tensorToProto({ name: target.weight, dtype: 'float32', shape: value.shape, data }),
  );
}

/** Why a group cannot take AWQ scales, or undefined when it can. */
function groupProblem(
  graph: Graph,
  activation: string,
  group: readonly WeightTarget[],
): string | undefined {
  if (graph.isGraphOutput(activation)) return 'the activation is a graph output';
  const readers = new Set(group.map((t) => t.node));
  if (graph.uses(activation).some((u) => !readers.has(u.node)))
    return 'the activation has other readers';
  for (const t of group) {
    if (t.transpose !== undefined || graph.initializer(t.weight) === undefined)
      return `'${t.weight}' is not an initializer`;
    if (graph.uses(t.weight).length !== 1) return `'${t.weight}' is shared`;
  }
  return undefined;
}

/** Searches and applies AWQ scales for every group with statistics; returns what it did. */
export function applyAwq(
  graph: Graph,
  targets: readonly WeightTarget[],
  stats: ReadonlyMap<string, ActivationStats>,
  spec: BlockSpec,
  grid?: readonly number[],
): AwqGroup[] {
  const groups = new Map<string, WeightTarget[]>();
  for (const t of targets) groups.set(t.activation, [...(groups.get(t.activation) ?? []), t]);
  const done: AwqGroup[] = [];
  for (const [activation, group] of groups) {
    const weights = group.map((t) => t.weight);
    const base = { activation, weights, alpha: 0, errorRatio: 1, fold: 'none' as const };
    const found = stats.get(activation);
    const problem =
      found === undefined ? 'no calibration statistics' : groupProblem(graph, activation, group);
    if (problem !== undefined || found === undefined || found.k !== group[0]!.k) {
      done.push({ ...base, skipped: problem ?? 'statistics of another width' });
      continue;
    }
    const matrices: AwqWeight[] = group.map((t) => ({
      w: weightMatrix(graph, t),
      n: t.n,
      name: t.weight,
    }));
    const choice = awqSearch(matrices, found, spec, grid);
    const errorRatio = choice.rtnError > 0 ? choice.error / choice.rtnError : 1;
    if (choice.alpha === 0) {
      done.push(base);
      continue;
    }
    for (const t of group) scaleWeight(graph, t, choice.scales);
    let fold = foldUpstream(graph, activation, choice.scales);
    if (fold === undefined) {
      const inverse = Float32Array.from(choice.scales, (v) => Math.fround(1 / v));
      const scaleName = graph.uniqueName(`${activation}_awq_inverse_scale`);
      graph.addInitializer(
        tensorToProto({
          name: scaleName,
          dtype: 'float32',
          shape: [inverse.length],
          data: inverse,
        }),
      );
      const scaled = graph.uniqueName(`${activation}_awq`);
      for (const t of group) graph.setInput(t.node, 0, scaled);
      graph.addNode(
        makeNode({
          opType: 'Mul',
          name: graph.uniqueName(`${nodeLabel(group[0]!.node)}_awq_Mul`),
          inputs: [activation, scaleName],
          outputs: [scaled],
        }),
      );
      fold = 'Mul in front';
    }
    done.push({ ...base, alpha: choice.alpha, errorRatio, fold });
  }
  return done;
}

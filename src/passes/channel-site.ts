// Where one tensor's channels can be rescaled exactly in float: the constants upstream that divide
// channel c by s[c] (a Conv/MatMul/Gemm's output channels and bias, a LayerNormalization's gamma
// and beta, a written-out LayerNorm's Mul/Add, through per-channel Add/Sub, scalar Mul/Div and
// positive-homogeneous Relu/LeakyRelu/PRelu/Clip(0, inf)) and the weights downstream that multiply
// it back (Conv/MatMul/Gemm input channels). Shared by cross-layer equalization and SmoothQuant.
// Not the choice of s (equalize.ts, smooth-quant.ts) nor the edit itself (channel-scale.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { attrInt, nodeLabel } from '../onnx/graph-node.js';
import { isDefaultDomain } from '../onnx/model.js';
import { floatConstant } from './conv-affine.js';

/** One float constant input whose entries along `axis` belong to channels of the site. */
export interface ConstantEdit {
  readonly node: NodeProto;
  readonly input: number;
  /** The constant's axis that runs over the channels. */
  readonly axis: number;
  /** A grouped Conv weight's input channels: channel = group x perGroup + index along axis 1. */
  readonly groups?: number;
  /** -1: the entry is divided by s (upstream), +1: multiplied by s. */
  readonly power: 1 | -1;
}

/** Where channels are: the last axis (MatMul, LayerNorm) or axis 1 of NCHW (Conv). */
export type ChannelLayout = 'channels-last' | 'channels-first';

/** A tensor whose channel c can be divided by s[c] upstream and multiplied back downstream. */
export interface ChannelSite {
  readonly tensor: string;
  readonly channels: number;
  readonly upstream: readonly ConstantEdit[];
  readonly downstream: readonly ConstantEdit[];
  /** The weight of the Conv/MatMul/Gemm the upstream chain ends in (absent: a LayerNorm, Mul). */
  readonly upstreamWeight?: ConstantEdit;
  /** The node the upstream chain ends in. */
  readonly source: NodeProto;
}

/** Why a tensor is not a site. */
export interface NoSite {
  readonly tensor: string;
  readonly reason: string;
}

/** One upstream step: constants to edit, then the next tensor to walk to or the end. */
type Step = { edits: ConstantEdit[]; next?: string; weight?: ConstantEdit } | string;

interface Walk {
  readonly graph: Graph;
  readonly layout: ChannelLayout;
  readonly channels: number;
  /** The rank of the site's tensor, when known (channels-first: the conv weights' rank). */
  readonly rank: number | undefined;
}

/** The axis of a constant that varies only along the channel axis (undefined: not one). */
function channelAxis(shape: readonly number[], walk: Walk): number | undefined {
  const rank = walk.layout === 'channels-last' ? shape.length : (walk.rank ?? -1);
  if (shape.length > rank) return undefined;
  // Aligned from the right: the tensor's channel axis is rank - 1 or 1.
  const at = (walk.layout === 'channels-last' ? rank - 1 : 1) - (rank - shape.length);
  const ok = shape.every((d, i) => (i === at ? d === walk.channels : d === 1));
  return ok && at >= 0 ? at : undefined;
}

/** Input `index` of `node` as a float constant edit along its channel axis, or undefined. */
function vectorEdit(walk: Walk, node: NodeProto, index: number, power: 1 | -1) {
  const name = node.input[index] ?? '';
  const shape = walk.graph.constantValue(name)?.shape;
  if (floatConstant(walk.graph, name) === undefined || shape === undefined) return undefined;
  const axis = channelAxis(shape, walk);
  return axis === undefined ? undefined : { node, input: index, axis, power };
}

function isScalar(graph: Graph, name: string): boolean {
  return floatConstant(graph, name)?.length === 1;
}

/** A weight [K, N] (or Conv [M, ...]) whose `axis` has `walk.channels` entries. */
function weightEdit(walk: Walk, node: NodeProto, axis: number, power: 1 | -1, rank?: number) {
  const name = node.input[1] ?? '';
  const shape = walk.graph.constantValue(name)?.shape;
  if (floatConstant(walk.graph, name) === undefined || shape === undefined) return undefined;
  if ((rank !== undefined && shape.length !== rank) || shape[axis] !== walk.channels) return;
  return { node, input: 1, axis, power };
}

const homogeneous = (_: Walk, node: NodeProto): Step => ({ edits: [], next: node.input[0] ?? '' });

// Upstream ops, by op type: how dividing the output's channel c by s[c] folds into the node.
type Upstream = (walk: Walk, node: NodeProto) => Step;
const UPSTREAM: ReadonlyMap<string, Upstream> = new Map<string, Upstream>([
  ['Relu', homogeneous],
  ['LeakyRelu', homogeneous],
  ['PRelu', homogeneous],
  // Per-channel pooling: pool(x / s) = pool(x) / s for s > 0 (NCHW only).
  ...['GlobalAveragePool', 'AveragePool', 'MaxPool', 'GlobalMaxPool'].map(
    (op): [string, Upstream] => [
      op,
      (walk, node) =>
        walk.layout === 'channels-first'
          ? homogeneous(walk, node)
          : `${op} pools over channels-last data`,
    ],
  ),
  [
    'Clip',
    (walk, node) => {
      const bound = (i: number, none: number) => {
        const name = node.input[i] ?? '';
        return name === '' ? none : floatConstant(walk.graph, name)?.[0];
      };
      const [lo, hi] = [bound(1, -Infinity), bound(2, Infinity)];
      const ok = (lo === 0 || lo === -Infinity) && (hi === 0 || hi === Infinity);
      return ok
        ? homogeneous(walk, node)
        : `Clip to [${lo}, ${hi}] (Relu6) is not positive-homogeneous: clip(x / s) != clip(x) / s`;
    },
  ],
  ['Add', (walk, node) => affine(walk, node, 'Add')],
  ['Sub', (walk, node) => affine(walk, node, 'Sub')],
  [
    'Mul',
    (walk, node) => {
      for (const i of [0, 1]) {
        const other = node.input[1 - i] ?? '';
        if (isScalar(walk.graph, node.input[i] ?? '')) return { edits: [], next: other };
        const edit = vectorEdit(walk, node, i, -1);
        if (edit !== undefined) return { edits: [edit] };
      }
      return walk.graph.constant(node.input[0] ?? '') === undefined &&
        walk.graph.constant(node.input[1] ?? '') === undefined
        ? 'a Mul of two activations (x * f(x): GELU, Swish, HardSwish written out) is not ' +
            'positive-homogeneous'
        : 'a Mul by a constant that is neither a scalar nor per channel';
    },
  ],
  [
    'Div',
    (walk, node) => {
      if (isScalar(walk.graph, node.input[1] ?? ''))
        return { edits: [], next: node.input[0] ?? '' };
      const edit = vectorEdit(walk, node, 1, 1);
      return edit === undefined
        ? 'a Div by something other than a per-channel constant'
        : {
            edits: [edit],
          };
    },
  ],
  [
    'MatMul',
    (walk, node) => {
      const edit = walk.layout === 'channels-last' ? weightEdit(walk, node, 1, -1, 2) : undefined;
      return edit === undefined
        ? 'a MatMul without a constant 2-D weight [K, N]'
        : { edits: [edit], weight: edit };
    },
  ],
  [
    'Gemm',
    (walk, node) => {
      const transB = attrInt(node, 'transB', 0) === 1;
      const w =
        walk.layout === 'channels-last' ? weightEdit(walk, node, transB ? 0 : 1, -1) : undefined;
      const c = node.input[2] ?? '';
      const bias = c === '' ? undefined : vectorEdit(walk, node, 2, -1);
      if (w === undefined || (c !== '' && bias === undefined)) {
        return 'a Gemm without a constant weight and per-column bias';
      }
      return { edits: bias === undefined ? [w] : [w, bias], weight: w };
    },
  ],
  [
    'Conv',
    (walk, node) => {
      const w =
        walk.layout === 'channels-first' ? weightEdit(walk, node, 0, -1, walk.rank) : undefined;
      const b = node.input[2] ?? '';
      const bias =
        b === '' ? undefined : vectorEdit({ ...walk, layout: 'channels-last' }, node, 2, -1);
      if (w === undefined || (b !== '' && bias === undefined)) {
        return 'a Conv without constant weights and bias of these channels';
      }
      return { edits: bias === undefined ? [w] : [w, bias], weight: w };
    },
  ],
  [
    'LayerNormalization',
    (walk, node) => {
      const last = attrInt(node, 'axis', -1) === -1;
      const flat = { ...walk, layout: 'channels-last' as const };
      const edits = [1, 2]
        .filter((i) => (node.input[i] ?? '') !== '')
        .map((i) => vectorEdit(flat, node, i, -1));
      if (!last || walk.layout !== 'channels-last' || edits.some((e) => e === undefined)) {
        return 'a LayerNormalization not over the last axis, or without constant gamma/beta';
      }
      return { edits: edits as ConstantEdit[] };
    },
  ],
]);

/** Add/Sub with one per-channel constant: divide it too, and walk on to the other input. */
function affine(walk: Walk, node: NodeProto, op: string): Step {
  for (const i of [0, 1]) {
    const edit = vectorEdit(walk, node, i, -1);
    if (edit !== undefined) return { edits: [edit], next: node.input[1 - i] ?? '' };
  }
  return `an ${op} whose other input is not a per-channel constant (a residual, or shared)`;
}

/** Readers of a tensor's shape alone, which scaling its values leaves unchanged. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/** The downstream edit of one reader of the site's tensor, or why it cannot take s. */
function downstreamEdit(graph: Graph, node: NodeProto, input: number, layout: ChannelLayout) {
  const shape = graph.constantValue(node.input[1] ?? '')?.shape;
  const w = floatConstant(graph, node.input[1] ?? '');
  if (input !== 0 || !isDefaultDomain(node.domain) || w === undefined || shape === undefined) {
    return `read by ${nodeLabel(node)} (${node.opType}) other than as input 0 of a weighted op`;
  }
  if (layout === 'channels-last' && node.opType === 'MatMul' && shape.length === 2) {
    return { edit: { node, input: 1, axis: 0, power: 1 as const }, channels: shape[0]! };
  }
  if (layout === 'channels-last' && node.opType === 'Gemm' && attrInt(node, 'transA', 0) === 0) {
    const axis = attrInt(node, 'transB', 0) === 1 ? 1 : 0;
    return { edit: { node, input: 1, axis, power: 1 as const }, channels: shape[axis]! };
  }
  if (layout === 'channels-first' && node.opType === 'Conv' && shape.length >= 3) {
    const groups = attrInt(node, 'group', 1);
    const edit = { node, input: 1, axis: 1, power: 1 as const, groups };
    return { edit, channels: shape[1]! * groups, rank: shape.length };
  }
  return `read by ${nodeLabel(node)} (${node.opType}), which does not take s on its weights`;
}

/**
 * The site of `tensor` under `layout`: every reader must take s on its weights, and the chain
 * that makes it must take 1/s exactly; otherwise why not.
 */
export function findChannelSite(
  graph: Graph,
  tensor: string,
  layout: ChannelLayout,
): ChannelSite | NoSite {
  const no = (reason: string): NoSite => ({ tensor, reason });
  const uses = graph.uses(tensor);
  if (uses.length === 0 || graph.isGraphOutput(tensor)) return no('a graph output, or unread');
  const downstream: ConstantEdit[] = [];
  const counts = new Set<number>();
  let rank: number | undefined;
  for (const use of uses) {
    if (SHAPE_ONLY.has(use.node.opType) && isDefaultDomain(use.node.domain)) continue;
    const d = downstreamEdit(graph, use.node, use.index, layout);
    if (typeof d === 'string') return no(d);
    downstream.push(d.edit);
    counts.add(d.channels);
    rank = 'rank' in d ? d.rank : rank;
  }
  if (counts.size !== 1)
    return no('its readers disagree on the channel count (or only read its shape)');
  const walk: Walk = { graph, layout, channels: [...counts][0]!, rank };
  const upstream: ConstantEdit[] = [];
  let weight: ConstantEdit | undefined;
  for (let name = tensor; ;) {
    const node = graph.producer(name);
    if (node === undefined || !isDefaultDomain(node.domain)) {
      return no(
        `no op before it takes 1/s (${node === undefined ? 'a graph input' : node.opType})`,
      );
    }
    if (name !== tensor && (graph.uses(name).length !== 1 || graph.isGraphOutput(name))) {
      return no(`'${name}' on the way up has other readers`);
    }
    const handler = UPSTREAM.get(node.opType);
    const step: Step =
      handler === undefined
        ? `${node.opType} does not pass a per-channel scale through`
        : handler(walk, node);
    if (typeof step === 'string') return no(`${nodeLabel(node)}: ${step}`);
    upstream.push(...step.edits);
    weight ??= step.weight;
    if (step.next === undefined) {
      const site = { tensor, channels: walk.channels, upstream, downstream, source: node };
      return weight === undefined ? site : { ...site, upstreamWeight: weight };
    }
    name = step.next;
  }
}

/** True when `result` is a site. */
export function isSite(result: ChannelSite | NoSite): result is ChannelSite {
  return 'channels' in result;
}

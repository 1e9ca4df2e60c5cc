// Finds what must change to give a depthwise conv more channels exactly: the connected set of
// tensors with the same channel count through channel-wise ops (elementwise with scalar or
// per-channel constants, activations, pools, depthwise convs), bounded by convs whose output
// channels (producers) or input channels (consumers) can take zero weights, and the pad value
// each padded channel holds. Read-only: pad-depthwise.ts applies a region. Not shape inference.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Use } from '../onnx/graph-index.js';
import { attrFloat, attrInt } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';

/** Evaluates a channel-wise op on one channel's constant value; undefined: not known. */
type ScalarOp = (x: readonly (number | undefined)[], node: NodeProto) => number | undefined;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const hardSigmoid = (v: number, node: NodeProto) =>
  clamp(attrFloat(node, 'alpha', 0.2) * v + attrFloat(node, 'beta', 0.5), 0, 1);

// Ops that compute each channel from the same channel of their inputs, with what a channel
// holding the constant x[i] in every input becomes (ONNX Operators.md semantics).
const CHANNEL_WISE: ReadonlyMap<string, ScalarOp> = new Map<string, ScalarOp>([
  ['Identity', ([x]) => x],
  ['Relu', ([x]) => Math.max(0, x!)],
  ['LeakyRelu', ([x], n) => (x! < 0 ? attrFloat(n, 'alpha', 0.01) * x! : x)],
  ['Sigmoid', ([x]) => 1 / (1 + Math.exp(-x!))],
  ['Tanh', ([x]) => Math.tanh(x!)],
  ['HardSigmoid', ([x], n) => hardSigmoid(x!, n)],
  ['HardSwish', ([x]) => x! * clamp(x! / 6 + 0.5, 0, 1)],
  // Clip-11+: optional min and max inputs; Clip-6: attributes.
  [
    'Clip',
    ([x, lo, hi], n) =>
      clamp(x!, lo ?? attrFloat(n, 'min', -Infinity), hi ?? attrFloat(n, 'max', Infinity)),
  ],
  ['Add', ([a, b]) => a! + b!],
  ['Sub', ([a, b]) => a! - b!],
  ['Mul', ([a, b]) => a! * b!],
  ['Div', ([a, b]) => a! / b!],
  // A channel holding one value keeps it under max and average pooling.
  ['GlobalAveragePool', ([x]) => x],
  ['GlobalMaxPool', ([x]) => x],
  ['MaxPool', ([x]) => x],
  // With padding counted, an average pool mixes in zeros: only 0 stays itself.
  ['AveragePool', ([x]) => (x === 0 ? 0 : undefined)],
]);

/** The constant a per-channel operand's new channels hold: one for divisors, else zero. */
export function constantPad(opType: string): number {
  return opType === 'Div' ? 1 : 0;
}

/** Tensors of one channel count that grow together, and the nodes whose weights grow. */
export interface ChannelRegion {
  readonly channels: number;
  readonly tensors: ReadonlySet<string>;
  /** Depthwise convs (group = channels): weight rows, bias and group grow. */
  readonly depthwise: ReadonlySet<NodeProto>;
  /** Convs writing a region tensor: weight rows (axis 0) and bias grow with zeros. */
  readonly producers: ReadonlySet<NodeProto>;
  /** Convs reading a region tensor: weight columns (axis 1) grow with zeros. */
  readonly consumers: ReadonlySet<NodeProto>;
  /** Channel-wise ops between them; their per-channel constants grow. */
  readonly channelWise: ReadonlySet<NodeProto>;
  /** Reads by other ops, which get a Slice back to the original channels. */
  readonly sliced: readonly Use[];
  /** The value every new channel of each region tensor holds. */
  readonly padValues: ReadonlyMap<string, number>;
}

/** Why a depthwise conv cannot be padded, for the report. */
export interface RegionRefusal {
  readonly refused: string;
}

const weightShape = (graph: Graph, node: NodeProto) =>
  graph.constantValue(node.input[1] ?? '')?.shape;

/** True when `node` is a depthwise Conv over `channels` channels with constant weights. */
export function isDepthwise(graph: Graph, node: NodeProto, channels?: number): boolean {
  if (node.opType !== 'Conv' || !isDefaultDomain(node.domain)) return false;
  const shape = weightShape(graph, node);
  const group = attrInt(node, 'group', 1);
  return group > 1 && shape?.[0] === group && shape[1] === 1 && (channels ?? group) === group;
}

function plainConv(graph: Graph, node: NodeProto): number[] | undefined {
  if (node.opType !== 'Conv' || !isDefaultDomain(node.domain)) return undefined;
  if (attrInt(node, 'group', 1) !== 1) return undefined;
  return weightShape(graph, node);
}

/** Grows the region around depthwise conv `start`, or says why it cannot be padded. */
export function findChannelRegion(graph: Graph, start: NodeProto): ChannelRegion | RegionRefusal {
  const channels = attrInt(start, 'group', 1);
  const region = {
    channels,
    tensors: new Set<string>(),
    depthwise: new Set<NodeProto>(),
    producers: new Set<NodeProto>(),
    consumers: new Set<NodeProto>(),
    channelWise: new Set<NodeProto>(),
    sliced: [] as Use[],
    padValues: new Map<string, number>(),
  };
  const queue: string[] = [];
  const add = (name: string) => {
    if (region.tensors.has(name)) return;
    region.tensors.add(name);
    queue.push(name);
  };
  const addNode = (node: NodeProto): string | undefined => {
    if (isDepthwise(graph, node, channels)) {
      region.depthwise.add(node);
      add(node.input[0] ?? '');
      add(node.output[0] ?? '');
      return undefined;
    }
    if (!CHANNEL_WISE.has(node.opType) || !isDefaultDomain(node.domain)) {
      return `${node.opType} '${node.name}' is not channel-wise`;
    }
    if (node.output.filter((o) => o !== '').length !== 1) return `'${node.name}' has two outputs`;
    if (region.channelWise.has(node)) return undefined;
    region.channelWise.add(node);
    for (const name of node.input) {
      if (name !== '' && graph.constantValue(name) === undefined) add(name);
    }
    add(node.output[0] ?? '');
    return undefined;
  };
  add(start.output[0] ?? '');
  add(start.input[0] ?? '');
  region.depthwise.add(start);
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (graph.isGraphOutput(name) || graph.isGraphInput(name)) {
      return { refused: `'${name}' is a graph input or output` };
    }
    const producer = graph.producer(name);
    if (producer === undefined) return { refused: `'${name}' has no producer` };
    if (!region.depthwise.has(producer) && !region.channelWise.has(producer)) {
      if (plainConv(graph, producer)?.[0] === channels) region.producers.add(producer);
      else {
        const why = addNode(producer);
        if (why !== undefined) return { refused: `'${name}' comes from ${why}` };
      }
    }
    for (const use of graph.uses(name)) {
      const node = use.node;
      if (region.depthwise.has(node) || region.channelWise.has(node)) continue;
      if (use.index === 0 && plainConv(graph, node)?.[1] === channels) {
        region.consumers.add(node);
      } else if (use.index < 0 || addNode(node) !== undefined) {
        region.sliced.push(use);
      }
    }
  }
  const why = checkConstants(graph, region);
  if (why !== undefined) return { refused: why };
  return padValues(graph, region) ?? region;
}

/** Constants of channel-wise ops must be scalars or per-channel vectors (axis 1 of NCHW). */
function checkConstants(graph: Graph, region: ChannelRegion): string | undefined {
  for (const node of region.channelWise) {
    for (const name of node.input) {
      const shape = name === '' ? undefined : graph.constantValue(name)?.shape;
      if (shape === undefined) continue;
      const size = shape.reduce((a, b) => a * b, 1);
      const perChannel = shape.length >= 3 && shape.at(-3) === region.channels;
      if (size !== 1 && !(size === region.channels && perChannel)) {
        return `'${name}' of '${node.name}' is neither a scalar nor per channel`;
      }
    }
  }
  return undefined;
}

/** Fills region.padValues in graph order; a refusal when a value is not finite or not known. */
function padValues(graph: Graph, region: ChannelRegion): RegionRefusal | undefined {
  const values = region.padValues as Map<string, number>;
  for (const node of graph.nodes) {
    const out = node.output[0] ?? '';
    if (region.producers.has(node)) values.set(out, 0);
    if (region.depthwise.has(node)) {
      const x = values.get(node.input[0] ?? '');
      if (x === undefined || !Number.isFinite(x)) return { refused: `'${node.name}' input` };
      values.set(out, 0);
    }
    if (!region.channelWise.has(node)) continue;
    const inputs = node.input.map((name) => {
      if (name === '') return undefined;
      const constant = graph.constantValue(name);
      if (constant === undefined) return values.get(name) ?? NaN;
      return constant.data.length === 1 ? Number(constant.data[0]) : constantPad(node.opType);
    });
    const y = CHANNEL_WISE.get(node.opType)?.(inputs, node);
    if (y === undefined || !Number.isFinite(y)) {
      return { refused: `the new channels of '${out}' would not hold a finite constant` };
    }
    values.set(out, y);
  }
  return undefined;
}

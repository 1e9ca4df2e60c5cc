// The engine behind fold-batchnorm and fold-conv-affine: a Conv or ConvTranspose with constant
// weights whose only consumer maps each output channel c to x * scale[c] + shift[c] becomes one
// node with W' = W * scale (per output channel) and B' = B * scale + shift. Readers say which
// nodes are such maps. Exact up to float32 rounding. Not a general constant folder.
import { sizeOf } from '../core/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrInt } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';

/** y[c] = x[c] * scale[c] + shift[c]; arrays of length 1 apply to every channel. */
export interface ChannelAffine {
  readonly scale: ArrayLike<number>;
  readonly shift: ArrayLike<number>;
  /** What remains of the node once the map is folded (HardSigmoid leaves a Clip), x -> y. */
  readonly rest?: (graph: Graph, x: string, y: string) => NodeProto;
}

/** Reads `node` (the only consumer of `from`, a conv output of `channels` channels and `rank`). */
export type AffineReader = (
  graph: Graph,
  node: NodeProto,
  from: string,
  channels: number,
  rank: number,
) => ChannelAffine | undefined;

/** One folded node, for the report. */
export interface Fold {
  readonly into: string;
  readonly opType: string;
  readonly node: string;
}

const CONVS = new Set(['Conv', 'ConvTranspose']);

/** Float32 values of a constant float tensor, or undefined when `name` is not one. */
export function floatConstant(graph: Graph, name: string): Float32Array | undefined {
  if (name === '') return undefined;
  const value = graph.constantValue(name);
  return value?.dtype === 'float32' ? value.data : undefined;
}

/**
 * Folds, for every Conv/ConvTranspose, the chain of affine maps the readers recognise after it
 * (repeatedly, so Conv -> Mul -> Add folds both). Returns the folded nodes in graph order.
 */
export function foldAffineChains(graph: Graph, readers: readonly AffineReader[]): Fold[] {
  const folds: Fold[] = [];
  for (const conv of [...graph.nodes]) {
    if (!CONVS.has(conv.opType) || !isDefaultDomain(conv.domain)) continue;
    for (;;) {
      const folded = foldNext(graph, conv, readers);
      if (folded === undefined) break;
      folds.push(folded);
    }
  }
  return folds;
}

function foldNext(graph: Graph, conv: NodeProto, readers: readonly AffineReader[]) {
  const out = conv.output[0] ?? '';
  const uses = graph.uses(out);
  const weight = floatConstant(graph, conv.input[1] ?? '');
  const shape = graph.constantValue(conv.input[1] ?? '')?.shape;
  if (uses.length !== 1 || graph.isGraphOutput(out) || weight === undefined || !shape) return;
  const next = uses[0]!.node;
  const transposed = conv.opType === 'ConvTranspose';
  const channels = transposed ? (shape[1] ?? 0) * attrInt(conv, 'group', 1) : (shape[0] ?? 0);
  const oldBias = conv.input[2] ?? '';
  const bias = oldBias === '' ? new Float32Array(channels) : floatConstant(graph, oldBias);
  if (bias?.length !== channels || next.output.filter((o) => o !== '').length !== 1) return;
  let affine: ChannelAffine | undefined;
  for (const read of readers) affine ??= read(graph, next, out, channels, shape.length);
  if (affine === undefined) return;
  const at = (values: ArrayLike<number>, c: number) => values[values.length === 1 ? 0 : c]!;
  const groups = attrInt(conv, 'group', 1);
  const w = new Float32Array(weight.length);
  const inner = sizeOf(shape.slice(2));
  const perRow = shape[1] ?? 1;
  for (let row = 0; row < (shape[0] ?? 0); row++) {
    for (let j = 0; j < perRow; j++) {
      // ConvTranspose W is [C, M/group, k...]: row c of group g feeds channel g * M/group + j.
      const c = transposed ? Math.floor(row / ((shape[0] ?? 1) / groups)) * perRow + j : row;
      const s = at(affine.scale, c);
      const base = (row * perRow + j) * inner;
      for (let k = base; k < base + inner; k++) w[k] = weight[k]! * s;
    }
  }
  const b = Float32Array.from(bias, (v, c) => v * at(affine.scale, c) + at(affine.shift, c));
  setConstant(graph, conv, 1, w, shape);
  setConstant(graph, conv, 2, b, [channels]);
  const y = next.output.find((o) => o !== '')!;
  graph.removeNode(next);
  for (const name of next.input) dropIfUnused(graph, name);
  if (affine.rest !== undefined) {
    graph.addNode(affine.rest(graph, out, y));
  } else {
    // The conv now computes y itself; downstream names stay as they were.
    const info = graph.proto.valueInfo.findIndex((v) => v.name === out);
    if (info >= 0 && graph.valueInfo(y) !== undefined) graph.proto.valueInfo.splice(info, 1);
    graph.renameValue(out, y);
  }
  return { into: conv.name || out, opType: next.opType, node: next.name || y };
}

/**
 * Writes `data` as input `index` of `node`: in place when the node is its only reader, else as a
 * new initializer named after the old one plus `suffix`.
 */
export function setConstant(
  graph: Graph,
  node: NodeProto,
  index: number,
  data: Float32Array,
  shape: readonly number[],
  suffix = '_folded',
): void {
  const old = node.input[index] ?? '';
  const own = old !== '' && graph.initializer(old) !== undefined && graph.uses(old).length === 1;
  if (own && !graph.isGraphInput(old)) {
    graph.removeInitializer(old);
    graph.addInitializer(tensorToProto({ name: old, dtype: 'float32', shape, data }));
    return;
  }
  const base = old !== '' ? old : `${node.input[1] ?? node.name}_bias`;
  const name = graph.uniqueName(`${base}${suffix}`);
  graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape, data }));
  graph.setInput(node, index, name);
  dropIfUnused(graph, old);
}

/**
 * Removes an initializer or Constant node that nothing reads any more; an initializer that is
 * also a declared graph input (overridable, IR 4+) stays part of the model's interface.
 */
export function dropIfUnused(graph: Graph, name: string): void {
  if (name === '' || graph.uses(name).length > 0 || graph.isGraphOutput(name)) return;
  if (graph.isGraphInput(name) && graph.model.irVersion >= 4n) return;
  if (graph.initializer(name) !== undefined) {
    graph.removeInitializer(name);
    return;
  }
  const producer = graph.producer(name);
  if (producer?.opType === 'Constant') graph.removeNode(producer);
}

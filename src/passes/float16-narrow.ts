// Converts a float32 graph to float16: float32 initializers and Constant tensors to float16
// (saturated, float16-values.ts), Cast-to-float and ConstantOfShape to float16, value types
// updated; nodes float16-keep.ts keeps float32 get Casts on their float inputs and outputs, and
// graph inputs/outputs are float16 or, when asked, float32 with a Cast at the boundary. Scales
// of Q/DQ and MatMulNBits become float16 with the rest (opset 19 needed for Q/DQ: ptq upgrades).
// Not subgraphs (If/Loop bodies: refused), not external data, not numeric checks of the result.
import { fail } from '../core/index.js';
import { TensorProto_DataType as T, type NodeProto } from '../onnx/gen/onnx_pb.js';
import { attr, makeNode, nodeLabel, subgraphsOf } from '../onnx/graph-node.js';
import type { Graph, Use } from '../onnx/graph.js';
import { constantNodeTensor } from '../onnx/graph-constant.js';
import { tensorToProto } from '../onnx/tensor.js';
import { inferElementTypes } from './element-types.js';
import { float32Nodes, isFloat32Slot, type KeptNode } from './float16-keep.js';
import { narrowTensorProto, narrowedCopy, type NarrowedValues } from './float16-values.js';

/** Options of narrowToFloat16. */
export interface NarrowOptions {
  /** Graph inputs/outputs left float32 behind a Cast: all, none (default), or these names. */
  readonly float32Io?: 'all' | 'none' | readonly string[];
  /** Op types or node names kept float32 besides the built-in ones (float16-keep.ts). */
  readonly keepOps?: readonly string[];
  /**
   * Constants beyond +-65504: 'keep-float32' (default) keeps the nodes reading them float32
   * (a BatchNorm variance of 1e8 clamped would change its output 38x); 'clamp' saturates them.
   */
  readonly outOfRange?: 'keep-float32' | 'clamp';
  /** Keeps float32 each node it returns a reason for (the static builder's integer groups). */
  readonly keepNode?: (node: NodeProto) => string | undefined;
}

/** What narrowToFloat16 did. */
export interface NarrowReport {
  /** Initializers and Constant tensors now float16. */
  readonly tensors: number;
  /** Float32 initializers left so, read only by float32 nodes or slots. */
  readonly keptTensors: number;
  /** Tensors that had values beyond +-65504 (clamped) or below 2^-25 (now zero). */
  readonly lost: readonly NarrowedValues[];
  readonly keptNodes: readonly KeptNode[];
  readonly casts: number;
  /** Element type of each float graph input and output after the conversion. */
  readonly io: readonly { readonly name: string; readonly type: 'float16' | 'float32' }[];
}

const sameUse = (a: Use) => (b: Use) => a.node === b.node && a.index === b.index;

/** Rewrites `graph` (float32) to compute in float16, as described above. */
export function narrowToFloat16(graph: Graph, options: NarrowOptions = {}): NarrowReport {
  for (const node of graph.nodes) {
    if (subgraphsOf(node).length > 0) {
      fail('unsupported-op', `float16 conversion does not convert subgraphs (${node.opType})`, {
        node: nodeLabel(node),
      });
    }
  }
  const types = inferElementTypes(graph);
  const clamp = options.outOfRange === 'clamp';
  const kept = float32Nodes(graph, types, options.keepOps, clamp, options.keepNode);
  const isFloat = (name: string) => name !== '' && types.get(name) === T.FLOAT;
  const wants32 = (use: Use) => kept.has(use.node) || isFloat32Slot(use.node, use.index);
  const float32Io = (name: string) =>
    options.float32Io === 'all' ||
    (Array.isArray(options.float32Io) && options.float32Io.includes(name));
  const half = new Set<string>();
  const lost: NarrowedValues[] = [];
  let tensors = 0;
  let keptTensors = 0;
  let casts = 0;
  const added = new Set<NodeProto>();
  const noteLost = (l: NarrowedValues) => {
    tensors++;
    if (l.clamped > 0 || l.flushed > 0) lost.push(l);
  };

  // Casts `from` for the `uses` (taken before the Cast exists) to `to`.
  const castFor = (from: string, uses: readonly Use[], to: T) => {
    if (uses.length === 0) return;
    const suffix = to === T.FLOAT16 ? 'fp16' : 'fp32';
    const output = graph.uniqueName(`${from}_${suffix}`);
    const cast = makeNode({
      opType: 'Cast',
      name: graph.uniqueName(`${from}_Cast_${suffix}`),
      inputs: [from],
      outputs: [output],
      attributes: [attr.int('to', to)],
    });
    added.add(graph.addNode(cast));
    graph.replaceUses(from, output, (u) => uses.some(sameUse(u)));
    if (to === T.FLOAT16) half.add(output);
    casts++;
  };
  const split = (name: string) => {
    const uses = graph.uses(name);
    return { u32: uses.filter(wants32), u16: uses.filter((u) => !wants32(u)) };
  };

  for (const proto of [...graph.proto.initializer]) {
    if (proto.dataType !== (T.FLOAT as number)) continue;
    const { u32, u16 } = split(proto.name);
    if (u16.length === 0) {
      keptTensors++;
    } else if (u32.length === 0) {
      noteLost(narrowTensorProto(proto));
      half.add(proto.name);
    } else {
      const copy = narrowedCopy(proto, graph.uniqueName(`${proto.name}_fp16`));
      graph.addInitializer(copy.proto);
      graph.replaceUses(proto.name, copy.proto.name, (u) => u16.some(sameUse(u)));
      noteLost(copy.lost);
      half.add(copy.proto.name);
    }
  }

  for (const input of [...graph.inputs]) {
    if (!isFloat(input.name)) continue;
    const { u32, u16 } = split(input.name);
    if (float32Io(input.name)) castFor(input.name, u16, T.FLOAT16);
    else {
      half.add(input.name);
      castFor(input.name, u32, T.FLOAT);
    }
  }

  for (const node of [...graph.nodes]) {
    if (added.has(node)) continue;
    let keep = kept.has(node);
    if (node.opType === 'Constant' && !keep) {
      // A Constant read only by float32 slots stays float32, like such an initializer.
      const output = node.output[0] ?? '';
      keep = isFloat(output) && split(output).u16.length === 0;
    }
    if (!keep) narrowAttributes(node, noteLost);
    for (const output of node.output) {
      if (!isFloat(output)) continue;
      const { u32, u16 } = split(output);
      if (keep) castFor(output, u16, T.FLOAT16);
      else {
        half.add(output);
        castFor(output, u32, T.FLOAT);
      }
      if (!graph.isGraphOutput(output)) continue;
      const want32 = float32Io(output);
      if (half.has(output) === want32) {
        const inner = castOutput(graph, output, want32 ? T.FLOAT : T.FLOAT16);
        if (inner !== undefined && half.has(output)) half.add(inner);
        if (inner !== undefined) casts++;
      }
      if (want32) half.delete(output);
      else half.add(output);
    }
  }

  for (const info of [...graph.proto.input, ...graph.proto.valueInfo, ...graph.proto.output]) {
    const type = info.type?.value;
    if (type?.case === 'tensorType' && type.value.elemType === (T.FLOAT as number)) {
      if (half.has(info.name)) type.value.elemType = T.FLOAT16;
    }
  }
  const io = [...graph.inputs, ...graph.outputs]
    .filter((v) => isFloat(v.name) || half.has(v.name))
    .map((v) => ({ name: v.name, type: float32Io(v.name) ? 'float32' : 'float16' }) as const);
  return { tensors, keptTensors, lost, keptNodes: [...kept.values()], casts, io };
}

/** Cast-to-float, ConstantOfShape and Constant nodes set their float type in attributes. */
function narrowAttributes(node: NodeProto, noteLost: (l: NarrowedValues) => void): void {
  const domain = node.domain === '' || node.domain === 'ai.onnx';
  if (!domain) return;
  if (node.opType === 'Cast') {
    const to = node.attribute.find((a) => a.name === 'to');
    if (to !== undefined && to.i === BigInt(T.FLOAT)) to.i = BigInt(T.FLOAT16);
  } else if (node.opType === 'ConstantOfShape') {
    const value = node.attribute.find((a) => a.name === 'value');
    if (value?.t === undefined) {
      // ConstantOfShape-9: float32 zeros when `value` is absent.
      const zero = tensorToProto({ name: '', dtype: 'float16', shape: [1], data: [0] });
      node.attribute.push(attr.tensor('value', zero));
    } else if (value.t.dataType === (T.FLOAT as number)) {
      noteLost(narrowTensorProto(value.t, nodeLabel(node)));
    }
  } else if (node.opType === 'Constant') {
    const output = node.output[0] ?? '';
    const tensor = constantNodeTensor(node, output);
    if (tensor?.dataType !== (T.FLOAT as number)) return;
    const value = node.attribute[0]!;
    if (value.name === 'value' && value.t !== undefined) {
      noteLost(narrowTensorProto(value.t, output));
    } else {
      const copy = narrowedCopy(tensor, '');
      node.attribute = [attr.tensor('value', copy.proto)];
      noteLost({ ...copy.lost, tensor: output });
    }
  }
}

/**
 * Makes graph output `name` of type `to` when its value is the other float type: the producer
 * writes a new name, returned, and a Cast writes `name` (undefined: no producer to rename).
 */
function castOutput(graph: Graph, name: string, to: T): string | undefined {
  if (graph.producer(name) === undefined) return undefined;
  const inner = graph.uniqueName(`${name}_${to === T.FLOAT ? 'fp16' : 'fp32'}`);
  graph.renameValue(name, inner);
  for (const v of graph.proto.output) if (v.name === inner) v.name = name;
  graph.addNode(
    makeNode({
      opType: 'Cast',
      name: graph.uniqueName(`${name}_Cast`),
      inputs: [inner],
      outputs: [name],
      attributes: [attr.int('to', to)],
    }),
  );
  return inner;
}

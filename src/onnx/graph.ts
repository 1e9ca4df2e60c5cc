// The plain graph IR passes work on: indexes over a decoded ModelProto (producer and uses of
// each value, initializers and Constant values by name, taken names) plus the mutations passes
// need. Design: the ModelProto stays the single source of truth. Graph holds no copy of it; it
// edits model.graph's own NodeProto, TensorProto and ValueInfoProto objects in place and keeps
// its indexes in step, so every field it does not touch (doc strings, metadata, value_info,
// unknown fields, subgraph bodies) is written back unchanged by writeModel(graph.model).
// model.graph.node is kept in topological order. Subgraphs are not indexed as graphs of their
// own: the values a body reads from the outer scope count as uses of that value (index -1).
// Not verification (verify-graph.ts) and not shape inference.
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import {
  ValueInfoProtoSchema,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './gen/onnx_pb.js';
import { constantNodeTensor } from './graph-constant.js';
import { nodeLabel } from './graph-node.js';
import { allNames, implicitInputs, renameImplicit } from './graph-scope.js';
import { topologicalOrder } from './graph-sort.js';
import { GraphIndex, type Use } from './graph-index.js';
import { tensorFromProto, type DecodedTensor } from './tensor.js';
import type { TensorStore } from './tensor-store.js';

/** Where addNode puts a node; by default right after the last producer of what it reads. */
export interface Placement {
  readonly before?: NodeProto;
  readonly after?: NodeProto;
}

/** The graph of a ModelProto with indexes and mutations; build one with buildGraph. */
export class Graph extends GraphIndex {
  /** Node names and value names in use anywhere, subgraphs included. */
  private readonly taken: Set<string>;

  /**
   * `store` reads external tensors and takes the large initializers added (tensor-store.ts);
   * without one, every tensor is read from and added to the protobuf.
   */
  constructor(
    readonly model: ModelProto,
    readonly store?: TensorStore,
  ) {
    const proto = model.graph ?? fail('bad-model', 'the model has no graph');
    super(proto);
    this.taken = allNames(proto);
  }

  /** Nodes in topological order (model.graph.node itself). */
  get nodes(): readonly NodeProto[] {
    return this.proto.node;
  }

  /** Graph inputs that are not initializers: what a caller must feed. */
  get inputs(): readonly ValueInfoProto[] {
    return this.proto.input.filter((v) => !this.initializers.has(v.name));
  }

  get outputs(): readonly ValueInfoProto[] {
    return this.proto.output;
  }

  /** The initializer called `name`, or the tensor of the Constant node producing it. */
  constant(name: string): TensorProto | undefined {
    const initializer = this.initializers.get(name);
    if (initializer !== undefined) return initializer;
    const node = this.producer(name);
    return node === undefined ? undefined : constantNodeTensor(node, name);
  }

  /** constant(name) decoded to a typed array, or undefined when `name` is not constant. */
  constantValue(name: string): DecodedTensor | undefined {
    const proto = this.constant(name);
    if (proto === undefined) return undefined;
    return this.store === undefined ? tensorFromProto(proto) : this.store.decode(proto);
  }

  /** Type and shape recorded for `name` in graph inputs, outputs or value_info. */
  valueInfo(name: string): ValueInfoProto | undefined {
    const { input, output, valueInfo } = this.proto;
    return [...input, ...output, ...valueInfo].find((v) => v.name === name);
  }

  /** A name unused anywhere in the model, `base` itself when free; reserved once returned. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /**
   * Inserts `node` (by default right after the last producer of what it reads) and indexes it.
   * Fails with `bad-argument` when an output is already defined.
   */
  addNode(node: NodeProto, placement: Placement = {}): NodeProto {
    for (const name of node.output) {
      if (name !== '' && this.isDefined(name)) {
        fail('bad-argument', `value '${name}' is already defined`, { node: nodeLabel(node) });
      }
    }
    const nodes = this.proto.node;
    let at: number;
    if (placement.before !== undefined) at = this.position(placement.before);
    else if (placement.after !== undefined) at = this.position(placement.after) + 1;
    else {
      at = 0;
      for (const name of [...node.input, ...implicitInputs(node)]) {
        const dep = this.producer(name);
        if (dep !== undefined) at = Math.max(at, this.position(dep) + 1);
      }
    }
    nodes.splice(at, 0, node);
    this.indexNode(node);
    for (const name of [node.name, ...node.input, ...node.output]) {
      if (name !== '') this.taken.add(name);
    }
    const late = [...node.input, ...implicitInputs(node)].some((name) => {
      const dep = this.producer(name);
      return dep !== undefined && this.position(dep) > at;
    });
    const early = node.output.some((name) =>
      this.uses(name).some((u) => this.position(u.node) < at),
    );
    if (late || early) this.sort();
    return node;
  }

  /** Removes `node`; its outputs become undefined and their consumers are left to the caller. */
  removeNode(node: NodeProto): void {
    this.proto.node.splice(this.position(node), 1);
    this.unindexNode(node);
  }

  /** Points `node.input[index]` at `name`, padding skipped optional inputs with ''. */
  setInput(node: NodeProto, index: number, name: string): void {
    this.unindexNode(node);
    while (node.input.length < index) node.input.push('');
    node.input[index] = name;
    this.indexNode(node);
    this.taken.add(name);
    this.sortIfNeeded(name);
  }

  /**
   * Makes the uses of `from` that `filter` accepts (all by default) read `to` instead,
   * subgraph reads included; graph outputs keep their names. Returns how many were redirected.
   */
  replaceUses(from: string, to: string, filter: (use: Use) => boolean = () => true): number {
    const chosen = this.uses(from).filter(filter);
    for (const use of chosen) {
      this.unindexNode(use.node);
      if (use.index >= 0) use.node.input[use.index] = to;
      else renameImplicit(use.node, from, to);
      this.indexNode(use.node);
    }
    this.taken.add(to);
    this.sortIfNeeded(to);
    return chosen.length;
  }

  /** Renames a value everywhere: producer, uses, graph inputs/outputs, value_info, initializer. */
  renameValue(from: string, to: string): void {
    if (this.isDefined(to)) fail('bad-argument', `value '${to}' is already defined`);
    const producer = this.producer(from);
    if (producer !== undefined) {
      this.unindexNode(producer);
      producer.output.forEach((name, i) => {
        if (name === from) producer.output[i] = to;
      });
      this.indexNode(producer);
    }
    const initializer = this.initializers.get(from);
    if (initializer !== undefined) {
      this.initializers.delete(from);
      initializer.name = to;
      this.initializers.set(to, initializer);
    }
    for (const v of [...this.proto.input, ...this.proto.output, ...this.proto.valueInfo]) {
      if (v.name === from) v.name = to;
    }
    if (this.graphInputs.delete(from)) this.graphInputs.add(to);
    this.replaceUses(from, to);
  }

  /**
   * Adds an initializer (also as a graph input when ir_version < 4, as that IR requires); a
   * large one goes to the store's sink at once.
   */
  addInitializer(tensor: TensorProto): TensorProto {
    if (this.isDefined(tensor.name)) {
      fail('bad-argument', `value '${tensor.name}' is already defined`, { tensor: tensor.name });
    }
    this.store?.spill(tensor);
    this.proto.initializer.push(tensor);
    this.initializers.set(tensor.name, tensor);
    this.taken.add(tensor.name);
    if (this.model.irVersion < 4n) {
      this.proto.input.push(tensorValueInfo(tensor));
      this.graphInputs.add(tensor.name);
    }
    return tensor;
  }

  /** Removes an initializer and any graph input of the same name. */
  removeInitializer(name: string): void {
    const { initializer, input } = this.proto;
    const at = initializer.findIndex((t) => t.name === name);
    if (at >= 0) initializer.splice(at, 1);
    const inputAt = input.findIndex((v) => v.name === name);
    if (inputAt >= 0) input.splice(inputAt, 1);
    this.initializers.delete(name);
    this.graphInputs.delete(name);
  }

  /** Restores topological order after edits that broke it (addNode and redirects call it). */
  sort(): void {
    topologicalOrder(this.proto.node).forEach((node, i) => {
      this.proto.node[i] = node;
    });
  }

  private sortIfNeeded(name: string): void {
    const producer = this.producer(name);
    if (producer === undefined) return;
    const at = this.position(producer);
    if (this.uses(name).some((u) => this.position(u.node) < at)) this.sort();
  }

  private position(node: NodeProto): number {
    const at = this.proto.node.indexOf(node);
    return at >= 0 ? at : fail('bad-argument', `node '${nodeLabel(node)}' is not in the graph`);
  }
}

/** A ValueInfoProto with a tensor's name, element type and shape. */
export function tensorValueInfo(tensor: TensorProto): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name: tensor.name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType: tensor.dataType,
          shape: {
            dim: tensor.dims.map((d) => ({ value: { case: 'dimValue' as const, value: d } })),
          },
        },
      },
    },
  });
}

export type { Use } from './graph-index.js';

/**
 * Indexes a decoded model's main graph for passes (its tensors through `store` when given);
 * fails with `bad-model` if it has none.
 */
export function buildGraph(model: ModelProto, store?: TensorStore): Graph {
  return new Graph(model, store);
}

// The lookup half of Graph: producer and uses of each value name, initializers, graph inputs
// and outputs, built from a GraphProto and updated node by node as Graph mutates it.
// Not mutation (graph.ts) and not a check that the indexes describe a valid graph.
import type { GraphProto, NodeProto, TensorProto } from './gen/onnx_pb.js';
import { implicitInputs } from './graph-scope.js';

/** One read of a value: `node.input[index]`, or index -1 for a read inside a subgraph. */
export interface Use {
  readonly node: NodeProto;
  readonly index: number;
}

/** Read-only indexes over a GraphProto; Graph extends it with mutations. */
export class GraphIndex {
  protected readonly producers = new Map<string, NodeProto>();
  protected readonly readers = new Map<string, Use[]>();
  protected readonly initializers = new Map<string, TensorProto>();
  protected readonly graphInputs = new Set<string>();
  private readonly implicit = new Map<NodeProto, string[]>();

  constructor(readonly proto: GraphProto) {
    for (const tensor of proto.initializer) this.initializers.set(tensor.name, tensor);
    for (const v of proto.input) this.graphInputs.add(v.name);
    for (const node of proto.node) this.indexNode(node);
  }

  /** The node that outputs `name`, or undefined for inputs, initializers and unknown names. */
  producer(name: string): NodeProto | undefined {
    return this.producers.get(name);
  }

  /** Every read of `name`, subgraph reads as index -1. */
  uses(name: string): readonly Use[] {
    return this.readers.get(name) ?? [];
  }

  /** Distinct nodes that read `name`. */
  consumers(name: string): NodeProto[] {
    return [...new Set(this.uses(name).map((u) => u.node))];
  }

  /** The initializer called `name` (not Constant nodes: see Graph.constant). */
  initializer(name: string): TensorProto | undefined {
    return this.initializers.get(name);
  }

  /** True when `name` is listed among the graph inputs (initializers there included). */
  isGraphInput(name: string): boolean {
    return this.graphInputs.has(name);
  }

  isGraphOutput(name: string): boolean {
    return this.proto.output.some((v) => v.name === name);
  }

  /** True when a node, an initializer or a graph input defines `name`. */
  isDefined(name: string): boolean {
    return this.producers.has(name) || this.initializers.has(name) || this.graphInputs.has(name);
  }

  /** Outer-scope values the node's subgraphs read (empty for nodes without subgraphs). */
  implicitInputs(node: NodeProto): readonly string[] {
    return this.implicit.get(node) ?? [];
  }

  protected indexNode(node: NodeProto): void {
    for (const name of node.output) if (name !== '') this.producers.set(name, node);
    node.input.forEach((name, index) => {
      if (name !== '') this.addUse(name, { node, index });
    });
    const implicit = implicitInputs(node);
    if (implicit.length > 0) this.implicit.set(node, implicit);
    for (const name of implicit) this.addUse(name, { node, index: -1 });
  }

  protected unindexNode(node: NodeProto): void {
    for (const name of node.output) {
      if (this.producers.get(name) === node) this.producers.delete(name);
    }
    for (const name of [...node.input, ...this.implicitInputs(node)]) {
      const list = this.readers.get(name);
      if (list === undefined) continue;
      const kept = list.filter((u) => u.node !== node);
      if (kept.length > 0) this.readers.set(name, kept);
      else this.readers.delete(name);
    }
    this.implicit.delete(node);
  }

  private addUse(name: string, use: Use): void {
    const list = this.readers.get(name);
    if (list === undefined) this.readers.set(name, [use]);
    else list.push(use);
  }
}

// NodeProto and AttributeProto helpers: build nodes, read attributes with their ONNX defaults,
// set and remove attributes. Passes and the opset upgrader construct every node through here.
// Not tensors (tensor.ts) and not graph bookkeeping (graph.ts).
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttrType,
  NodeProtoSchema,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from './gen/onnx_pb.js';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Typed AttributeProto constructors: `attr.int('axis', 1)`, `attr.floats('scales', [1, 2])`. */
export const attr = Object.freeze({
  int: (name: string, value: number | bigint): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value) }),
  float: (name: string, value: number): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value }),
  string: (name: string, value: string): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.STRING, s: utf8.encode(value) }),
  ints: (name: string, values: readonly (number | bigint)[]): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: values.map((v) => BigInt(v)) }),
  floats: (name: string, values: readonly number[]): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.FLOATS, floats: [...values] }),
  strings: (name: string, values: readonly string[]): AttributeProto =>
    create(AttributeProtoSchema, {
      name,
      type: AttrType.STRINGS,
      strings: values.map((v) => utf8.encode(v)),
    }),
  tensor: (name: string, value: TensorProto): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.TENSOR, t: value }),
  graph: (name: string, value: GraphProto): AttributeProto =>
    create(AttributeProtoSchema, { name, type: AttrType.GRAPH, g: value }),
});

/** What makeNode needs; attributes come from `attr`. */
export interface NodeInit {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  /** '' (the default ONNX domain) unless given. */
  readonly domain?: string;
  readonly attributes?: readonly AttributeProto[];
}

/** A new NodeProto. */
export function makeNode(init: NodeInit): NodeProto {
  return create(NodeProtoSchema, {
    opType: init.opType,
    input: [...init.inputs],
    output: [...init.outputs],
    name: init.name ?? '',
    domain: init.domain ?? '',
    attribute: [...(init.attributes ?? [])],
  });
}

/** How errors name a node: its name, or its op type and first output when it has none. */
export function nodeLabel(node: NodeProto): string {
  return node.name !== '' ? node.name : `${node.opType}(${node.output[0] ?? ''})`;
}

/** The attribute called `name`, or undefined. */
export function getAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

function typed(node: NodeProto, name: string, type: AttrType): AttributeProto | undefined {
  const found = getAttribute(node, name);
  if (found !== undefined && found.type !== type) {
    fail(
      'bad-model',
      `attribute '${name}' of node '${nodeLabel(node)}' is ${AttrType[found.type]}, expected ${AttrType[type]}`,
      { node: nodeLabel(node) },
    );
  }
  return found;
}

/** An INT attribute as a number, or `fallback` when absent. */
export function attrInt<F extends number | undefined>(
  node: NodeProto,
  name: string,
  fallback: F,
): number | F {
  const found = typed(node, name, AttrType.INT);
  return found === undefined ? fallback : Number(found.i);
}

/** A FLOAT attribute, or `fallback` when absent. */
export function attrFloat<F extends number | undefined>(
  node: NodeProto,
  name: string,
  fallback: F,
): number | F {
  const found = typed(node, name, AttrType.FLOAT);
  return found === undefined ? fallback : found.f;
}

/** A STRING attribute decoded as UTF-8, or `fallback` when absent. */
export function attrString<F extends string | undefined>(
  node: NodeProto,
  name: string,
  fallback: F,
): string | F {
  const found = typed(node, name, AttrType.STRING);
  return found === undefined ? fallback : fromUtf8.decode(found.s);
}

/** An INTS attribute as numbers, or undefined when absent. */
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  return typed(node, name, AttrType.INTS)?.ints.map(Number);
}

/** A FLOATS attribute, or undefined when absent. */
export function attrFloats(node: NodeProto, name: string): number[] | undefined {
  return typed(node, name, AttrType.FLOATS)?.floats.slice();
}

/** Adds `attribute`, replacing one of the same name in place. */
export function setAttribute(node: NodeProto, attribute: AttributeProto): void {
  const index = node.attribute.findIndex((a) => a.name === attribute.name);
  if (index < 0) node.attribute.push(attribute);
  else node.attribute[index] = attribute;
}

/** Removes the attribute called `name` and returns it, or undefined when absent. */
export function removeAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  const index = node.attribute.findIndex((a) => a.name === name);
  return index < 0 ? undefined : node.attribute.splice(index, 1)[0];
}

/** Every subgraph a node carries in GRAPH and GRAPHS attributes (If, Loop, Scan bodies). */
export function subgraphsOf(node: NodeProto): GraphProto[] {
  const graphs: GraphProto[] = [];
  for (const a of node.attribute) {
    if (a.g !== undefined) graphs.push(a.g);
    graphs.push(...a.graphs);
  }
  return graphs;
}

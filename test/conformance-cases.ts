// Loads ONNX's node conformance cases (test/fixtures/onnx-node): each case's operator,
// integer attributes, inputs by the operator's input slots and expected outputs, decoded with
// src/onnx/tensor.ts. Not the dispatch or the comparison: see conformance.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  ModelProtoSchema,
  TensorProtoSchema,
  type GraphProto,
} from '../src/onnx/gen/onnx_pb.js';
import { tensorFromProto, type DecodedTensor } from '../src/onnx/tensor.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** ONNX's node tests for the quantization operators, copied into the repository (see its README). */
export const CONFORMANCE_DIR = path.resolve(REPO_ROOT, 'test/fixtures/onnx-node');

/** An attribute value of the kinds the quantization operators use. */
export type Attribute = number | readonly number[] | string;

/** One ONNX node test: a single operator, its inputs and the outputs ONNX expects. */
export interface ConformanceCase {
  readonly name: string;
  /** The operator under test; for `_expanded` cases, the function the graph's nodes expand. */
  readonly opType: string;
  /** Nodes in the graph: 1, or the size of the function body for `_expanded` cases. */
  readonly nodeCount: number;
  /** INT, INTS and STRING attributes of the node (axis, block_size, pads, auto_pad, ...). */
  readonly attributes: ReadonlyMap<string, Attribute>;
  /** The operator's input slots in order; undefined where an optional input is absent. */
  readonly inputs: readonly (DecodedTensor | undefined)[];
  readonly outputs: readonly DecodedTensor[];
}

/** Names of every case directory, sorted. */
export function caseNames(): string[] {
  return readdirSync(CONFORMANCE_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function readTensor(file: string): DecodedTensor {
  return tensorFromProto(fromBinary(TensorProtoSchema, readFileSync(file)));
}

/**
 * The operator an `_expanded` graph implements. ONNX's expander names every intermediate value
 * `<OpType>_<graph name>_function_<value>`, so the op is read back from those names.
 */
function expandedOpType(graph: GraphProto): string {
  const marker = `_${graph.name}_function_`;
  const names = graph.node.flatMap((n) => n.output).filter((o) => o.includes(marker));
  const ops = new Set(names.map((o) => o.slice(0, o.indexOf(marker))));
  const [op] = ops;
  if (ops.size !== 1 || op === undefined) {
    throw new Error(
      `${graph.name}: cannot tell which function its ${graph.node.length} nodes expand`,
    );
  }
  return op;
}

/** Reads model.onnx and test_data_set_0 of the case `name`. */
export function loadCase(name: string): ConformanceCase {
  const dir = path.join(CONFORMANCE_DIR, name);
  const model = fromBinary(ModelProtoSchema, readFileSync(path.join(dir, 'model.onnx')));
  const graph = model.graph;
  if (graph === undefined) throw new Error(`${name}: model.onnx has no graph`);
  const data = path.join(dir, 'test_data_set_0');
  const graphInputs = new Map(
    graph.input.map((input, i) => [input.name, readTensor(path.join(data, `input_${i}.pb`))]),
  );
  for (const init of graph.initializer) graphInputs.set(init.name, tensorFromProto(init));
  const outputs = graph.output.map((_, i) => readTensor(path.join(data, `output_${i}.pb`)));

  const node = graph.node[0];
  if (graph.node.length !== 1 || node === undefined) {
    // A function body: its inputs are the function's inputs, in the graph's order.
    return {
      name,
      opType: expandedOpType(graph),
      nodeCount: graph.node.length,
      attributes: new Map(),
      inputs: graph.input.map((input) => graphInputs.get(input.name)),
      outputs,
    };
  }
  const attributes = new Map<string, Attribute>();
  for (const a of node.attribute) {
    if (a.type === AttributeProto_AttributeType.INT) attributes.set(a.name, Number(a.i));
    else if (a.type === AttributeProto_AttributeType.INTS)
      attributes.set(a.name, a.ints.map(Number));
    else if (a.type === AttributeProto_AttributeType.STRING) {
      attributes.set(a.name, new TextDecoder().decode(a.s));
    } else throw new Error(`${name}: attribute ${a.name} has type ${a.type}`);
  }
  const inputs = node.input.map((input) => {
    if (input === '') return undefined;
    const tensor = graphInputs.get(input);
    if (tensor === undefined) throw new Error(`${name}: input '${input}' has no data`);
    return tensor;
  });
  return { name, opType: node.opType, nodeCount: 1, attributes, inputs, outputs };
}

/** An integer attribute, or `fallback` when the node does not set it. */
export function intAttribute(c: ConformanceCase, name: string, fallback: number): number {
  const value = c.attributes.get(name) ?? fallback;
  if (typeof value !== 'number') throw new Error(`${c.name}: attribute ${name} is not an int`);
  return value;
}

/** An integer-list attribute, or undefined when the node does not set it. */
export function intsAttribute(c: ConformanceCase, name: string): readonly number[] | undefined {
  const value = c.attributes.get(name);
  if (value !== undefined && !Array.isArray(value)) {
    throw new Error(`${c.name}: attribute ${name} is not a list of ints`);
  }
  return value as readonly number[] | undefined;
}

/** A string attribute, or undefined when the node does not set it. */
export function stringAttribute(c: ConformanceCase, name: string): string | undefined {
  const value = c.attributes.get(name);
  if (value !== undefined && typeof value !== 'string') {
    throw new Error(`${c.name}: attribute ${name} is not a string`);
  }
  return value;
}

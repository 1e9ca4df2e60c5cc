// Builds tiny ONNX models in code for tests: typed inputs and outputs, initializers from typed
// arrays, nodes with attributes, subgraph bodies. Tests never carry byte-array literals.
// Test-only on purpose: passes add nodes to an existing Graph (src/onnx/graph-node.ts and
// tensor.ts give them makeNode, attr and tensorToProto); only tests invent whole models.
import { create } from '@bufbuild/protobuf';
import type { DType, TensorArray } from '../../src/onnx/dtypes.js';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from '../../src/onnx/gen/onnx_pb.js';
import { attr, makeNode, type NodeInit } from '../../src/onnx/graph-node.js';
import { writeModel } from '../../src/onnx/model.js';
import { tensorValueInfoOf, type Dim } from '../../src/onnx/build.js';
import { tensorToProto } from '../../src/onnx/tensor.js';

/** A dimension: a size, a symbolic name, or unknown (src/onnx/build.ts's type). */
export type { Dim } from '../../src/onnx/build.js';

/** A value's type: element type and shape (undefined shape: unknown rank). */
export const valueInfo = tensorValueInfoOf;

/** Model-level options of a builder. */
export interface ModelOptions {
  readonly opset?: number;
  readonly irVersion?: number;
  /** Extra opset imports, e.g. { 'com.microsoft': 1 }. */
  readonly domains?: Readonly<Record<string, number>>;
}

/** Accumulates a graph; `model()` wraps it in a ModelProto, `bytes()` encodes that. */
export class GraphBuilder {
  private readonly graph: GraphProto;
  private counter = 0;

  constructor(name = 'test') {
    this.graph = create(GraphProtoSchema, { name });
  }

  /** Declares a graph input and returns its name. */
  input(name: string, dtype: DType = 'float32', shape?: readonly Dim[]): string {
    this.graph.input.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Declares a graph output (of a value some node produces). */
  output(name: string, dtype: DType = 'float32', shape?: readonly Dim[]): string {
    this.graph.output.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Adds an initializer from values and returns its name. */
  initializer(
    name: string,
    dtype: DType,
    shape: readonly number[],
    data: TensorArray | ArrayLike<number>,
  ): string {
    this.graph.initializer.push(tensorToProto({ name, dtype, shape, data }));
    return name;
  }

  /** Adds a Constant node holding the tensor and returns its output name. */
  constant(
    name: string,
    dtype: DType,
    shape: readonly number[],
    data: TensorArray | ArrayLike<number>,
  ): string {
    const value = tensorToProto({ name: '', dtype, shape, data });
    this.node({
      opType: 'Constant',
      inputs: [],
      outputs: [name],
      attributes: [attr.tensor('value', value)],
    });
    return name;
  }

  /** Adds a one-output node named after its op and returns the output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: readonly AttributeProto[] = [],
  ): string {
    const index = this.counter++;
    const output = `${opType.toLowerCase()}_${index}`;
    this.node({ opType, inputs, outputs: [output], attributes, name: `${opType}_${index}` });
    return output;
  }

  /** Adds a node built from `init` and returns it. */
  node(init: NodeInit): NodeProto {
    const node = makeNode(init);
    this.graph.node.push(node);
    return node;
  }

  /** The GraphProto so far (for subgraph bodies, pass it to attr.graph). */
  build(): GraphProto {
    return this.graph;
  }

  /** The graph wrapped in a ModelProto with the given opset and IR version. */
  model(options: ModelOptions = {}): ModelProto {
    const domains = Object.entries(options.domains ?? {}).map(([domain, version]) => ({
      domain,
      version: BigInt(version),
    }));
    return create(ModelProtoSchema, {
      irVersion: BigInt(options.irVersion ?? 8),
      producerName: 'zeropoint-test',
      opsetImport: [{ domain: '', version: BigInt(options.opset ?? 13) }, ...domains],
      graph: this.graph,
    });
  }

  /** The encoded model. */
  bytes(options: ModelOptions = {}): Uint8Array {
    return writeModel(this.model(options));
  }
}

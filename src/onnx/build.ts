// Builds whole small ONNX models in code: typed graph inputs and outputs, initializers from typed
// arrays, nodes. For code that must invent a model (the kernel benchmark's one-node models).
// Not for rewriting an existing model: passes add nodes to a Graph through graph-node.ts.
// The tests' richer builder (subgraphs, Constant nodes) stays in test/helpers/graph-builder.ts.
import { create } from '@bufbuild/protobuf';
import { DTYPES, type DType, type TensorArray } from './dtypes.js';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type ValueInfoProto,
} from './gen/onnx_pb.js';
import { makeNode } from './graph-node.js';
import { writeModel } from './model.js';
import { tensorToProto } from './tensor.js';

/** A dimension: a size, a symbolic name, or unknown. */
export type Dim = number | string | undefined;

function dimension(d: Dim) {
  if (typeof d === 'number') return { value: { case: 'dimValue' as const, value: BigInt(d) } };
  if (typeof d === 'string') return { value: { case: 'dimParam' as const, value: d } };
  return {};
}

/** A ValueInfoProto of a tensor: element type and shape (no shape: unknown rank). */
export function tensorValueInfoOf(
  name: string,
  dtype: DType,
  shape?: readonly Dim[],
): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType: DTYPES[dtype].onnx,
          ...(shape === undefined ? {} : { shape: { dim: shape.map(dimension) } }),
        },
      },
    },
  });
}

/** Accumulates one graph and encodes it as a model with the given default-domain opset. */
export class ModelBuilder {
  private readonly graph: GraphProto;
  private counter = 0;

  constructor(name = 'model') {
    this.graph = create(GraphProtoSchema, { name });
  }

  /** Declares a graph input and returns its name. */
  input(name: string, dtype: DType, shape?: readonly Dim[]): string {
    this.graph.input.push(tensorValueInfoOf(name, dtype, shape));
    return name;
  }

  /** Declares a graph output of a value some node produces. */
  output(name: string, dtype: DType, shape?: readonly Dim[]): string {
    this.graph.output.push(tensorValueInfoOf(name, dtype, shape));
    return name;
  }

  /** Adds an initializer and returns its name. */
  initializer(
    name: string,
    dtype: DType,
    shape: readonly number[],
    data: TensorArray | ArrayLike<number>,
  ): string {
    this.graph.initializer.push(tensorToProto({ name, dtype, shape, data }));
    return name;
  }

  /** Adds a one-output node of the default domain and returns its output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: readonly AttributeProto[] = [],
  ): string {
    const index = this.counter++;
    const output = `${opType.toLowerCase()}_${index}`;
    this.graph.node.push(
      makeNode({ opType, inputs, outputs: [output], attributes, name: `${opType}_${index}` }),
    );
    return output;
  }

  /** The graph wrapped in a ModelProto. */
  model(opset = 13, irVersion = 8): ModelProto {
    return create(ModelProtoSchema, {
      irVersion: BigInt(irVersion),
      producerName: 'zeropoint',
      opsetImport: [{ domain: '', version: BigInt(opset) }],
      graph: this.graph,
    });
  }

  /** The encoded model. */
  bytes(opset = 13, irVersion = 8): Uint8Array {
    return writeModel(this.model(opset, irVersion));
  }
}

// Widens a float16 graph to float32, exactly: float16 initializers and Constant tensors,
// Cast-to-float16, ConstantOfShape values and declared types become float32, and Casts left
// between two float32 values are removed. The recipes quantize the widened graph and narrow the
// result back (float16-narrow.ts), so an fp16 model gets the same passes as an fp32 one.
// Not a numeric change (float16 values are float32 values) and not subgraphs (refused).
import { fail } from '../core/index.js';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { nodeLabel, subgraphsOf } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { inferElementTypes } from './element-types.js';
import { widenTensorProto } from './float16-values.js';

/** What widenFloat16 found: the graph inputs and outputs that were float16. */
export interface WidenReport {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Initializers and Constant tensors widened. */
  readonly tensors: number;
  /** Casts removed because both sides are now float32. */
  readonly castsRemoved: number;
}

/** True when any initializer, Constant, input or output of `graph` is float16. */
export function hasFloat16(graph: Graph): boolean {
  const types = inferElementTypes(graph);
  return [...types.values()].some((t) => t === (T.FLOAT16 as number));
}

/** Rewrites `graph` from float16 to float32 as described above. */
export function widenFloat16(graph: Graph): WidenReport {
  for (const node of graph.nodes) {
    if (subgraphsOf(node).length > 0) {
      fail('unsupported-op', `float16 models with subgraphs (${node.opType}) are not supported`, {
        node: nodeLabel(node),
      });
    }
  }
  const isHalf = (elemType: number | undefined) => elemType === (T.FLOAT16 as number);
  const declared = (v: (typeof graph.proto.input)[number]) =>
    v.type?.value.case === 'tensorType' ? v.type.value.value.elemType : undefined;
  const inputs = graph.inputs.filter((v) => isHalf(declared(v))).map((v) => v.name);
  const outputs = graph.outputs.filter((v) => isHalf(declared(v))).map((v) => v.name);
  let tensors = 0;
  for (const proto of graph.proto.initializer) {
    if (isHalf(proto.dataType)) {
      widenTensorProto(proto);
      tensors++;
    }
  }
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    for (const a of node.attribute) {
      if (node.opType === 'Cast' && a.name === 'to' && a.i === BigInt(T.FLOAT16)) {
        a.i = BigInt(T.FLOAT);
      } else if (a.t !== undefined && isHalf(a.t.dataType)) {
        widenTensorProto(a.t);
        tensors++;
      }
    }
  }
  for (const info of [...graph.proto.input, ...graph.proto.valueInfo, ...graph.proto.output]) {
    const type = info.type?.value;
    if (type?.case === 'tensorType' && isHalf(type.value.elemType)) type.value.elemType = T.FLOAT;
  }
  const types = inferElementTypes(graph);
  let castsRemoved = 0;
  for (const node of [...graph.nodes]) {
    const [input, output] = [node.input[0] ?? '', node.output[0] ?? ''];
    const identity =
      node.opType === 'Cast' &&
      types.get(input) === (T.FLOAT as number) &&
      types.get(output) === (T.FLOAT as number);
    if (!identity || graph.isGraphOutput(output)) continue;
    graph.removeNode(node);
    graph.replaceUses(output, input);
    castsRemoved++;
  }
  return { inputs, outputs, tensors, castsRemoved };
}

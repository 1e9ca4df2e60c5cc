// Element types of every value in a graph, so the planner quantizes only float32 activations
// (PP-OCR's exports compute shapes in int64 next to their float tensors and declare no
// value_info). Declared types win; otherwise each op spec's outputType rule, defaulting to the
// type of input 0. Not shape inference, and not a checker: unknown stays unknown.
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { opSpec } from '../onnx/op-specs.js';

/** TensorProto.DataType of float32. */
export const FLOAT32 = T.FLOAT;

/** Element type by value name; values whose type cannot be told are absent. */
export function inferElementTypes(graph: Graph): Map<string, number> {
  const types = new Map<string, number>();
  const declared = (name: string): number | undefined => {
    const info = graph.valueInfo(name);
    const type = info?.type?.value.case === 'tensorType' ? info.type.value.value.elemType : 0;
    return type === 0 ? undefined : type;
  };
  for (const v of graph.proto.input) {
    const type = declared(v.name);
    if (type !== undefined) types.set(v.name, type);
  }
  for (const t of graph.proto.initializer) types.set(t.name, t.dataType);
  for (const node of graph.nodes) {
    const inputs = node.input.map((name) => (name === '' ? undefined : types.get(name)));
    node.output.forEach((name, index) => {
      if (name === '') return;
      const constant = node.opType === 'Constant' ? graph.constant(name)?.dataType : undefined;
      const spec = opSpec(node);
      const rule =
        spec?.outputType === undefined ? inputs[0] : spec.outputType(node, inputs, index);
      const type = declared(name) ?? constant ?? rule;
      if (type !== undefined && type !== (T.UNDEFINED as number)) types.set(name, type);
    });
  }
  return types;
}

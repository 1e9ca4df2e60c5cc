// The tensor a Constant node holds, as one TensorProto whatever attribute carries it, so that
// a value stored as an initializer and one stored as a Constant node look the same to passes
// (the PP-OCR detector keeps all its weights in Constant nodes). Not constant folding.
import {
  AttributeProto_AttributeType as AttrType,
  type NodeProto,
  type TensorProto,
} from './gen/onnx_pb.js';
import { tensorToProto } from './tensor.js';

// Operators.md, Constant-13: exactly one of value, sparse_value, value_float, value_floats,
// value_int, value_ints, value_string, value_strings. The value_* forms appeared in Constant-12.
/**
 * The dense tensor a Constant node outputs, named `name`; undefined for sparse and string
 * constants and for nodes that are not Constant.
 */
export function constantNodeTensor(node: NodeProto, name: string): TensorProto | undefined {
  if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) {
    return undefined;
  }
  const a = node.attribute[0];
  if (node.attribute.length !== 1 || a === undefined) return undefined;
  switch (a.name) {
    case 'value':
      return a.type === AttrType.TENSOR && a.t !== undefined ? withName(a.t, name) : undefined;
    case 'value_float':
      return tensorToProto({ name, dtype: 'float32', shape: [], data: [a.f] });
    case 'value_floats':
      return tensorToProto({ name, dtype: 'float32', shape: [a.floats.length], data: a.floats });
    case 'value_int':
      return tensorToProto({ name, dtype: 'int64', shape: [], data: BigInt64Array.of(a.i) });
    case 'value_ints':
      return tensorToProto({
        name,
        dtype: 'int64',
        shape: [a.ints.length],
        data: BigInt64Array.from(a.ints),
      });
    default:
      return undefined;
  }
}

/** `tensor` itself when it is already called `name`, else a shallow copy so called. */
function withName(tensor: TensorProto, name: string): TensorProto {
  return tensor.name === name ? tensor : { ...tensor, name };
}

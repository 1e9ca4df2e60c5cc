// ONNX TensorProto -> executor value: float types widen to a float tensor (an owned copy, so
// trainable weights can be updated in place), every integer and bool type becomes an IntTensor.
// Not the codec itself (onnx/tensor.ts) and not external data.
import { tensorFromProto } from '../onnx/index.js';
import type { TensorProto } from '../onnx/gen/onnx_pb.js';
import { allocFloat, tensor, type IntTensor, type Value } from './tensor.js';

/** Decodes an initializer or Constant tensor into an executor value. */
export function valueFromProto(proto: TensorProto): Value {
  const { dtype, shape, data } = tensorFromProto(proto);
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64') {
    const out = allocFloat(data.length);
    out.set(data);
    return tensor(shape, out);
  }
  const ints = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) ints[i] = Number(data[i]);
  return { shape, ints, dtype } satisfies IntTensor;
}

// A one-pool QDQ model: uint8 x -> DequantizeLinear -> AveragePool (or `reader` in float) ->
// QuantizeLinear -> uint8 y, for average-pool-conv.ts's tests. Not a float model.
import { ModelBuilder, type Dim } from '../../src/onnx/build.js';
import type { AttributeProto } from '../../src/onnx/gen/onnx_pb.js';

/** What qdqPool builds; `floatReader` adds a float Relu reading the pool's output. */
export interface QdqPoolSpec {
  readonly shape: readonly Dim[];
  readonly outShape: readonly Dim[];
  readonly attributes: readonly AttributeProto[];
  readonly floatReader?: boolean;
}

/** The model's bytes; input 'x', outputs the pool's codes (and the Relu's floats). */
export function qdqPool(spec: QdqPoolSpec): Uint8Array {
  const b = new ModelBuilder('qdq-pool');
  const x = b.input('x', 'uint8', spec.shape);
  const sx = b.initializer('x_scale', 'float32', [], [0.0473]);
  const zx = b.initializer('x_zp', 'uint8', [], [7]);
  const pooled = b.op('AveragePool', [b.op('DequantizeLinear', [x, sx, zx])], spec.attributes);
  const sy = b.initializer('y_scale', 'float32', [], [0.0311]);
  const zy = b.initializer('y_zp', 'uint8', [], [9]);
  b.output(b.op('QuantizeLinear', [pooled, sy, zy]), 'uint8', spec.outShape);
  if (spec.floatReader === true) b.output(b.op('Relu', [pooled]), 'float32', spec.outShape);
  return b.bytes(13);
}

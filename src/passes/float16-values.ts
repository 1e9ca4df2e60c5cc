// Float tensors between float32 and float16: narrowing saturates at +-65504 (ties to even,
// core's numberToFloat16) and counts what it clamped and what it flushed to zero; widening is
// exact. TensorProtos are edited in place (name kept), so graph indexes stay valid.
// Not a pass: float16-narrow.ts and float16-widen.ts call these.
import type { TensorProto } from '../onnx/gen/onnx_pb.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor.js';

/** float16's largest finite value. */
export const FLOAT16_MAX = 65504;

/** Values below half float16's smallest subnormal (2^-24) round to zero. */
const FLUSH_BELOW = 2 ** -25;

/** What narrowing a tensor lost: values clamped to +-65504 and nonzero values now zero. */
export interface NarrowedValues {
  readonly tensor: string;
  readonly clamped: number;
  readonly flushed: number;
  /** The largest finite |value| before narrowing. */
  readonly maxAbs: number;
}

/**
 * Float32 values saturated to float16's range (infinities and NaN kept), with what was lost;
 * the result is still float32 numbers, for tensorToProto's float16 encoding.
 */
function saturateToFloat16(
  data: ArrayLike<number>,
  tensor: string,
): { values: Float32Array; lost: NarrowedValues } {
  const values = new Float32Array(data.length);
  let clamped = 0;
  let flushed = 0;
  let maxAbs = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const a = Math.abs(v);
    if (a !== Infinity && a > maxAbs) maxAbs = a;
    if (a > FLOAT16_MAX && a !== Infinity) {
      clamped++;
      values[i] = v > 0 ? FLOAT16_MAX : -FLOAT16_MAX;
    } else {
      if (a !== 0 && a < FLUSH_BELOW) flushed++;
      values[i] = v;
    }
  }
  return { values, lost: { tensor, clamped, flushed, maxAbs } };
}

/** Rewrites a float32 TensorProto as float16 in place (raw_data); returns what was lost. */
export function narrowTensorProto(proto: TensorProto, name = proto.name): NarrowedValues {
  const decoded = tensorFromProto(proto);
  const { values, lost } = saturateToFloat16(decoded.data as Float32Array, name);
  const encoded = tensorToProto({
    name: proto.name,
    dtype: 'float16',
    shape: decoded.shape,
    data: values,
  });
  replaceData(proto, encoded);
  return lost;
}

/** Rewrites a float16 TensorProto as float32 in place (exact). */
export function widenTensorProto(proto: TensorProto): void {
  const decoded = tensorFromProto(proto);
  const encoded = tensorToProto({
    name: proto.name,
    dtype: 'float32',
    shape: decoded.shape,
    data: decoded.data,
  });
  replaceData(proto, encoded);
}

/** A float16 copy of a float32 TensorProto under a new name, and what was lost. */
export function narrowedCopy(
  proto: TensorProto,
  name: string,
): { proto: TensorProto; lost: NarrowedValues } {
  const decoded = tensorFromProto(proto);
  const { values, lost } = saturateToFloat16(decoded.data as Float32Array, proto.name);
  return {
    proto: tensorToProto({ name, dtype: 'float16', shape: decoded.shape, data: values }),
    lost,
  };
}

function replaceData(proto: TensorProto, encoded: TensorProto): void {
  proto.dataType = encoded.dataType;
  proto.rawData = encoded.rawData;
  proto.floatData = [];
  proto.int32Data = [];
  proto.externalData = [];
  proto.dataLocation = encoded.dataLocation;
}

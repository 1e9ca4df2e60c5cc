// ONNX TensorProto <-> typed arrays. raw_data is viewed in place when its offset is aligned for
// the element size (protobuf-es decodes bytes fields as subarrays of the file), and copied only
// when misaligned; typed fields, float16/bfloat16 and sub-byte packing are decoded here.
// Not the model IR and not file access: external data arrives through the caller's resolver
// (external-location.ts checks where it points and what came back).
import { create } from '@bufbuild/protobuf';
import {
  QTYPES,
  fail,
  float16ToNumber,
  numberToFloat16,
  sizeOf,
  type StorageArray,
} from '../core/index.js';
import { packFast, unpackFast } from '../kernels/index.js';
import {
  DTYPES,
  LITTLE_ENDIAN,
  bfloat16ToNumber,
  numberToBfloat16,
  rawByteLength,
  swapBytes,
  requireDType,
  type ArrayConstructorOf,
  type ArrayOf,
  type DType,
  type TensorArray,
} from './dtypes.js';
import { externalSpan, readSpan, type ExternalDataResolver } from './external-location.js';
import { TensorProtoSchema, TensorProto_DataLocation, type TensorProto } from './gen/onnx_pb.js';

/**
 * A tensor's values and metadata. `data` may share memory with the TensorProto's raw_data (and
 * so with the file it came from): copy it before writing to it.
 */
export type DecodedTensor = {
  [D in DType]: {
    readonly name: string;
    /** TensorProto.DataType value. */
    readonly dataType: number;
    readonly dtype: D;
    readonly shape: number[];
    readonly data: ArrayOf<D>;
  };
}[DType];

/** Options of tensorFromProto. */
export interface DecodeOptions {
  /** Needed only for tensors whose data_location is EXTERNAL. */
  readonly resolveExternal?: ExternalDataResolver;
}

/** A tensor to encode; DecodedTensor is one, and plain number arrays are converted. */
export interface EncodableTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorArray | ArrayLike<number>;
}

/** Decodes a TensorProto (raw_data, typed fields or external data) into a typed array. */
export function tensorFromProto(proto: TensorProto, options: DecodeOptions = {}): DecodedTensor {
  const { name } = proto;
  const dtype = requireDType(proto.dataType, name);
  const context = { tensor: name };
  const shape = proto.dims.map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail('bad-model', `tensor '${name}' has dimension ${d}`, context);
    }
    return Number(d);
  });
  if (proto.segment !== undefined) fail('bad-model', `tensor '${name}' is a segment`, context);
  const count = sizeOf(shape);
  const field = proto[DTYPES[dtype].field];
  let data: TensorArray;
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const span = externalSpan(proto);
    const length = span.length ?? rawByteLength(dtype, count);
    data = decodeRaw(dtype, readSpan(name, span, length, options.resolveExternal), count, name);
  } else if (proto.rawData.length > 0 && field.length > 0) {
    fail('bad-model', `tensor '${name}' has both raw_data and ${DTYPES[dtype].field}`, context);
  } else if (proto.rawData.length > 0 || field.length === 0) {
    data = decodeRaw(dtype, proto.rawData, count, name);
  } else {
    data = decodeField(dtype, field, count, name);
  }
  return { name, dataType: proto.dataType, dtype, shape, data } as DecodedTensor;
}

// onnx.proto, TensorProto.raw_data: fixed-width little-endian elements; int4/uint4 two per byte
// and int2/uint2 four per byte, first element in the least significant bits.
function decodeRaw(dtype: DType, bytes: Uint8Array, count: number, name: string): TensorArray {
  const expected = rawByteLength(dtype, count);
  if (bytes.length !== expected) {
    fail(
      'bad-model',
      `tensor '${name}' has ${bytes.length} bytes of data; ${count} ${dtype} values need ${expected}`,
      { tensor: name },
    );
  }
  const info = DTYPES[dtype];
  if (info.codec === 'packed') return unpackFast(info.packAs ?? 'uint4', bytes, count);
  if (info.codec === 'float16' || info.codec === 'bfloat16') {
    const out = new Float32Array(count);
    const widen = info.codec === 'float16' ? float16ToNumber : bfloat16ToNumber;
    for (let i = 0; i < count; i++) {
      out[i] = widen((bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8));
    }
    return out;
  }
  return viewAs(info.array, bytes, count);
}

/** A typed array over `bytes`: a view when aligned and little-endian, else a copy. */
function viewAs(
  ArrayType: ArrayConstructorOf<TensorArray>,
  bytes: Uint8Array,
  count: number,
): TensorArray {
  const size = ArrayType.BYTES_PER_ELEMENT;
  if (size > 1 && !LITTLE_ENDIAN) return new ArrayType(swapBytes(bytes, size).buffer, 0, count);
  // new Uint8Array(bytes) copies to offset 0; Node's Buffer.slice would only make another view.
  const aligned = bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
  return new ArrayType(aligned.buffer, aligned.byteOffset, count);
}

// onnx.proto, TensorProto.int32_data: one element per entry for 8- and 16-bit types (float16
// and bfloat16 as bit patterns), one packed byte per entry for 4- and 2-bit types.
function decodeField(
  dtype: DType,
  values: readonly (number | bigint)[],
  count: number,
  name: string,
): TensorArray {
  const info = DTYPES[dtype];
  const expected = info.codec === 'packed' ? rawByteLength(dtype, count) : count;
  if (values.length !== expected) {
    fail(
      'bad-model',
      `tensor '${name}' has ${values.length} entries in ${info.field}; ${count} ${dtype} values need ${expected}`,
      { tensor: name },
    );
  }
  if (info.codec === 'packed') {
    return unpackFast(info.packAs ?? 'uint4', Uint8Array.from(values, Number), count);
  }
  if (info.codec === 'float16' || info.codec === 'bfloat16') {
    const widen = info.codec === 'float16' ? float16ToNumber : bfloat16ToNumber;
    return Float32Array.from(values, (v) => widen(Number(v) & 0xffff));
  }
  const out = new info.array(count);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) out[i] = BigInt(values[i] as number | bigint);
  } else {
    for (let i = 0; i < count; i++) out[i] = Number(values[i]);
  }
  return out;
}

/** Encodes a tensor as a TensorProto with raw_data (sub-byte types packed), for initializers. */
export function tensorToProto(tensor: EncodableTensor): TensorProto {
  const { name, dtype, shape } = tensor;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      fail('bad-shape', `tensor '${name}' has dimension ${d}`, { tensor: name });
    }
  }
  if (tensor.data.length !== sizeOf(shape)) {
    fail(
      'bad-shape',
      `tensor '${name}' has ${tensor.data.length} values for shape [${shape.join(', ')}]`,
      {
        tensor: name,
      },
    );
  }
  return create(TensorProtoSchema, {
    name,
    dataType: DTYPES[dtype].onnx,
    dims: shape.map((d) => BigInt(d)),
    rawData: encodeRaw(dtype, tensor.data, name),
  });
}

function encodeRaw(dtype: DType, data: TensorArray | ArrayLike<number>, name: string): Uint8Array {
  const info = DTYPES[dtype];
  if (info.codec === 'float16' || info.codec === 'bfloat16') {
    const narrow = info.codec === 'float16' ? numberToFloat16 : numberToBfloat16;
    const out = new Uint8Array(2 * data.length);
    for (let i = 0; i < data.length; i++) {
      const bits = narrow(Number(data[i]));
      out[2 * i] = bits & 0xff;
      out[2 * i + 1] = bits >> 8;
    }
    return out;
  }
  const typed = coerce(info.array, data, dtype, name);
  if (dtype === 'bool' && (typed as Uint8Array).some((v) => v > 1)) {
    fail('bad-range', `tensor '${name}' is bool but holds values other than 0 and 1`, {
      tensor: name,
    });
  }
  if (info.codec === 'packed') {
    const qtype = info.packAs ?? 'uint4';
    const { qmin, qmax } = QTYPES[qtype];
    const values = typed as StorageArray;
    for (const v of values) {
      if (v < qmin || v > qmax) {
        fail('bad-range', `tensor '${name}' holds ${v}, outside ${dtype}`, { tensor: name });
      }
    }
    return packFast(qtype, values);
  }
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  return LITTLE_ENDIAN ? bytes : swapBytes(bytes, info.array.BYTES_PER_ELEMENT);
}

/** `data` as an `ArrayType`, copied only when it is another type; integers must fit. */
function coerce(
  ArrayType: ArrayConstructorOf<TensorArray>,
  data: TensorArray | ArrayLike<number>,
  dtype: DType,
  name: string,
): TensorArray {
  if (data instanceof ArrayType) return data;
  const out = new ArrayType(data.length);
  const exact = !(out instanceof Float32Array || out instanceof Float64Array);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number | bigint;
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) {
        fail('bad-range', `tensor '${name}' holds ${v}, not a safe integer`, { tensor: name });
      }
      out[i] = BigInt(v);
    } else {
      out[i] = Number(v);
    }
    if (exact && out[i] != v) {
      fail('bad-range', `tensor '${name}' holds ${v}, which ${dtype} cannot hold`, {
        tensor: name,
      });
    }
  }
  return out;
}

/** Values of an int64/uint64 tensor as numbers, failing with `bad-model` past 2^53. */
export function int64ToNumbers(data: BigInt64Array | BigUint64Array, tensor: string): number[] {
  return Array.from(data, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) {
      fail('bad-model', `tensor '${tensor}' holds ${v}, beyond 2^53`, { tensor });
    }
    return n;
  });
}

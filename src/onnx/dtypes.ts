// Every ONNX TensorProto.DataType zeropoint reads or writes, in one frozen table (enum number,
// bits, decoded array, typed field), with the integer quant rows taken from core's QTYPES so the
// two cannot drift; plus the element codecs tensor.ts needs (bfloat16, byte order).
// Not string or complex tensors: zeropoint never quantizes them.
import { QTYPES, fail, type QType, type StorageArray } from '../core/index.js';
import { TensorProto_DataType } from './gen/onnx_pb.js';

/** Typed array a decoded tensor's values live in. */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A typed array class: allocates, or views a buffer without copying. */
export interface ArrayConstructorOf<A> {
  new (length: number): A;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
}

/** The TensorProto fields that carry values when raw_data is absent (onnx.proto comments). */
export type TypedField = 'floatData' | 'int32Data' | 'int64Data' | 'doubleData' | 'uint64Data';

/**
 * How elements sit in raw_data: `plain` little-endian elements of `array`; `float16`/`bfloat16`
 * 16-bit patterns widened to float32 numbers; `packed` sub-byte values, first in the low bits.
 */
export type Codec = 'plain' | 'float16' | 'bfloat16' | 'packed';

interface DTypeRow<A extends TensorArray> {
  /** TensorProto.DataType value. */
  readonly onnx: number;
  readonly bits: 2 | 4 | 8 | 16 | 32 | 64;
  /** Array of decoded values; FP8/FP4 decode to their bit patterns, not to numbers. */
  readonly array: ArrayConstructorOf<A>;
  readonly field: TypedField;
  readonly codec: Codec;
  /** For `packed`: the qtype whose (un)packing applies (float4e2m1 as uint4 bit patterns). */
  readonly packAs?: QType;
}

function row<A extends TensorArray>(info: DTypeRow<A>): DTypeRow<A> {
  return Object.freeze(info);
}

function fromQType(qtype: QType): DTypeRow<StorageArray> {
  const { onnx, bits, storage } = QTYPES[qtype];
  const array: ArrayConstructorOf<StorageArray> = storage;
  if (bits >= 8)
    return row<StorageArray>({ onnx, bits, array, field: 'int32Data', codec: 'plain' });
  return row<StorageArray>({
    onnx,
    bits,
    array,
    field: 'int32Data',
    codec: 'packed',
    packAs: qtype,
  });
}

/** Every supported ONNX data type, keyed by the name onnxruntime's JS API uses where it has one. */
export const DTYPES = Object.freeze({
  float32: row({ onnx: 1, bits: 32, array: Float32Array, field: 'floatData', codec: 'plain' }),
  uint8: fromQType('uint8'),
  int8: fromQType('int8'),
  uint16: fromQType('uint16'),
  int16: fromQType('int16'),
  int32: row({ onnx: 6, bits: 32, array: Int32Array, field: 'int32Data', codec: 'plain' }),
  int64: row({ onnx: 7, bits: 64, array: BigInt64Array, field: 'int64Data', codec: 'plain' }),
  bool: row({ onnx: 9, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  float16: row({ onnx: 10, bits: 16, array: Float32Array, field: 'int32Data', codec: 'float16' }),
  float64: row({ onnx: 11, bits: 64, array: Float64Array, field: 'doubleData', codec: 'plain' }),
  uint32: row({ onnx: 12, bits: 32, array: Uint32Array, field: 'uint64Data', codec: 'plain' }),
  uint64: row({ onnx: 13, bits: 64, array: BigUint64Array, field: 'uint64Data', codec: 'plain' }),
  bfloat16: row({ onnx: 16, bits: 16, array: Float32Array, field: 'int32Data', codec: 'bfloat16' }),
  float8e4m3fn: row({ onnx: 17, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  float8e4m3fnuz: row({ onnx: 18, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  float8e5m2: row({ onnx: 19, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  float8e5m2fnuz: row({ onnx: 20, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  uint4: fromQType('uint4'),
  int4: fromQType('int4'),
  float4e2m1: row({
    onnx: 23,
    bits: 4,
    array: Uint8Array,
    field: 'int32Data',
    codec: 'packed',
    packAs: 'uint4',
  }),
  float8e8m0: row({ onnx: 24, bits: 8, array: Uint8Array, field: 'int32Data', codec: 'plain' }),
  uint2: fromQType('uint2'),
  int2: fromQType('int2'),
});

/** Name of a supported ONNX data type. */
export type DType = keyof typeof DTYPES;

/** The typed array a tensor of dtype `D` decodes to. */
export type ArrayOf<D extends DType> = (typeof DTYPES)[D] extends DTypeRow<infer A> ? A : never;

/** All dtype names, in table order. */
export const DTYPE_NAMES = Object.freeze(Object.keys(DTYPES) as DType[]);

const BY_ONNX = new Map<number, DType>(DTYPE_NAMES.map((name) => [DTYPES[name].onnx, name]));

/** The dtype of a TensorProto.DataType value, or undefined when zeropoint does not support it. */
export function dtypeFromOnnx(dataType: number): DType | undefined {
  return BY_ONNX.get(dataType);
}

/**
 * Like dtypeFromOnnx, but fails naming the tensor: `bad-model` for a number ONNX does not define,
 * `unsupported-qtype` for a type ONNX defines and zeropoint does not read (string, complex).
 */
export function requireDType(dataType: number, tensor: string): DType {
  const dtype = BY_ONNX.get(dataType);
  if (dtype !== undefined) return dtype;
  const onnxName = (TensorProto_DataType as Record<number, string | undefined>)[dataType];
  if (onnxName === undefined || dataType === 0) {
    fail('bad-model', `tensor '${tensor}' has data type ${dataType}, which ONNX does not define`, {
      tensor,
    });
  }
  return fail(
    'unsupported-qtype',
    `tensor '${tensor}' is ${onnxName}, which zeropoint does not read`,
    {
      tensor,
    },
  );
}

/** Bytes that `count` elements of `dtype` take in raw_data (sub-byte types packed). */
export function rawByteLength(dtype: DType, count: number): number {
  return Math.ceil((count * DTYPES[dtype].bits) / 8);
}

/** True on little-endian hosts, where raw_data can be viewed as typed arrays directly. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each `size`-byte element (a copy): little- <-> big-endian. */
export function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j] as number;
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));

/** Decodes one bfloat16 bit pattern to a number (exact: bfloat16 is float32's top half). */
export function bfloat16ToNumber(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

/** Encodes a number as bfloat16 bits, ties to even on the dropped 16 bits; NaN stays NaN. */
export function numberToBfloat16(value: number): number {
  scratch.setFloat32(0, value);
  const u = scratch.getUint32(0);
  if (value !== value) return ((u >>> 16) & 0x8000) | 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

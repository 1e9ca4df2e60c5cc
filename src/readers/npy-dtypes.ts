// The .npy dtypes calibration data may hold, in one frozen table: each element type a model
// input can declare (onnxruntime's name), the descr numpy writes for it, its size, the typed
// array it is read into, and the numpy spelling for error advice. Little-endian only (what
// numpy writes on every host zeropoint runs on). Not parsing: npy.ts reads headers and values.
import type { RuntimeTensor, RuntimeType } from '../runtime/onnxruntime.js';

/** The typed array a tensor's values are read into. */
export type TensorData = RuntimeTensor['data'];

interface NpyDType {
  /** The descr np.save writes ('<i8'); '=' and '|' spellings of the same type are accepted. */
  readonly descr: string;
  readonly bytes: 1 | 2 | 4 | 8;
  readonly array: {
    new (length: number): TensorData;
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  };
  /** The numpy type a user converts to: `array.astype(np.<numpy>)`. */
  readonly numpy: string;
}

/** Every element type a calibration .npy may hold, keyed by onnxruntime's type name. */
export const NPY_DTYPES: Readonly<Record<RuntimeType, NpyDType>> = Object.freeze({
  float32: { descr: '<f4', bytes: 4, array: Float32Array, numpy: 'float32' },
  // float16 values stay bit patterns, as onnxruntime takes them (Uint16Array).
  float16: { descr: '<f2', bytes: 2, array: Uint16Array, numpy: 'float16' },
  int8: { descr: '|i1', bytes: 1, array: Int8Array, numpy: 'int8' },
  uint8: { descr: '|u1', bytes: 1, array: Uint8Array, numpy: 'uint8' },
  int32: { descr: '<i4', bytes: 4, array: Int32Array, numpy: 'int32' },
  int64: { descr: '<i8', bytes: 8, array: BigInt64Array, numpy: 'int64' },
  // numpy's bool is one byte, 0 or 1, as onnxruntime's bool tensors are.
  bool: { descr: '|b1', bytes: 1, array: Uint8Array, numpy: 'bool_' },
});

const BY_DESCR = new Map<string, RuntimeType>(
  (Object.keys(NPY_DTYPES) as RuntimeType[]).flatMap((type) => {
    const code = NPY_DTYPES[type].descr.slice(1);
    return ['<', '=', '|'].map((order) => [order + code, type] as [string, RuntimeType]);
  }),
);

/** The element type of a .npy descr ('<i8' -> 'int64'), or undefined when zeropoint reads none. */
export function typeOfDescr(descr: string): RuntimeType | undefined {
  return BY_DESCR.get(descr);
}

/**
 * `count` values of `type` starting at `offset` in `bytes`: a view when aligned, else a copy
 * (not with slice(), which on a Node Buffer is another view).
 */
export function viewValues(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: RuntimeType,
): TensorData {
  const { array, bytes: size } = NPY_DTYPES[type];
  const start = bytes.byteOffset + offset;
  if (start % size === 0) return new array(bytes.buffer, start, count);
  const copy = new Uint8Array(bytes.subarray(offset, offset + count * size));
  return new array(copy.buffer, 0, count);
}

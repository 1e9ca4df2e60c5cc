// The integer quantization types ONNX defines, in one frozen table from which every runtime
// map and TypeScript type derives. Not FP8/FP4: those are float formats with other rules.

/** Typed array used to hold unpacked integer values of a qtype (one element per value). */
export type StorageArray = Int8Array | Uint8Array | Int16Array | Uint16Array;

type StorageConstructor =
  Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor;

interface QTypeInfo {
  readonly bits: 2 | 4 | 8 | 16;
  readonly signed: boolean;
  readonly qmin: number;
  readonly qmax: number;
  /** TensorProto.DataType value (onnx.proto). */
  readonly onnx: number;
  /** Array type for unpacked values. */
  readonly storage: StorageConstructor;
  /** Values per byte in ONNX's packed layout (1 or 2 for 16-bit and 8-bit are not packed). */
  readonly perByte: 1 | 2 | 4;
}

function row(
  bits: QTypeInfo['bits'],
  signed: boolean,
  onnx: number,
  storage: StorageConstructor,
): QTypeInfo {
  const qmin = signed ? -(2 ** (bits - 1)) : 0;
  const qmax = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const perByte = bits === 2 ? 4 : bits === 4 ? 2 : 1;
  return Object.freeze({ bits, signed, qmin, qmax, onnx, storage, perByte });
}

/** Every integer qtype, keyed by its ONNX name. */
export const QTYPES = Object.freeze({
  int2: row(2, true, 26, Int8Array),
  uint2: row(2, false, 25, Uint8Array),
  int4: row(4, true, 22, Int8Array),
  uint4: row(4, false, 21, Uint8Array),
  int8: row(8, true, 3, Int8Array),
  uint8: row(8, false, 2, Uint8Array),
  int16: row(16, true, 5, Int16Array),
  uint16: row(16, false, 4, Uint16Array),
});

/** Name of an integer quantization type, as ONNX spells it. */
export type QType = keyof typeof QTYPES;

/** All qtype names, in table order. */
export const QTYPE_NAMES = Object.freeze(Object.keys(QTYPES) as QType[]);

/** True when `name` is a qtype name. */
export function isQType(name: string): name is QType {
  return Object.hasOwn(QTYPES, name);
}

const BY_ONNX = new Map<number, QType>(QTYPE_NAMES.map((name) => [QTYPES[name].onnx, name]));

/** The qtype whose TensorProto.DataType is `dataType`, or undefined for non-integer-quant types. */
export function qtypeFromOnnx(dataType: number): QType | undefined {
  return BY_ONNX.get(dataType);
}

/** A zero-filled array of `length` unpacked values of `qtype`. */
export function allocate(qtype: QType, length: number): StorageArray {
  return new QTYPES[qtype].storage(length);
}

// ONNX's packing of sub-byte integers: int4/uint4 two per byte, int2/uint2 four per byte,
// the first element in the lowest bits, the last byte padded with zeros. 8- and 16-bit types
// are stored as they are (little-endian for 16-bit in raw_data). Not quantization itself.
import { QTYPES, allocate, type QType, type StorageArray } from './qtypes.js';

/** Unpacked values (one per element) -> ONNX packed bytes. */
export function pack(qtype: QType, values: ArrayLike<number>): Uint8Array {
  const { bits, perByte } = QTYPES[qtype];
  if (perByte === 1) {
    const typed = allocate(qtype, values.length);
    typed.set(values);
    return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  }
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(values.length / perByte));
  for (let i = 0; i < values.length; i++) {
    const shift = (i % perByte) * bits;
    out[(i / perByte) | 0]! |= ((values[i] as number) & mask) << shift;
  }
  return out;
}

/** ONNX packed bytes -> `count` unpacked values, sign-extended for signed types. */
export function unpack(qtype: QType, bytes: Uint8Array, count: number): StorageArray {
  const { bits, perByte, signed } = QTYPES[qtype];
  if (perByte === 1) {
    const Storage = QTYPES[qtype].storage;
    // A fresh buffer at offset 0: Node's Buffer.slice is a view into a shared pool, not a copy.
    const copy = new Uint8Array(bytes.subarray(0, count * Storage.BYTES_PER_ELEMENT));
    return new Storage(copy.buffer, 0, count);
  }
  const mask = (1 << bits) - 1;
  const signBit = 1 << (bits - 1);
  const out = allocate(qtype, count);
  for (let i = 0; i < count; i++) {
    const v = ((bytes[(i / perByte) | 0] as number) >> ((i % perByte) * bits)) & mask;
    out[i] = signed && v & signBit ? v - (1 << bits) : v;
  }
  return out;
}

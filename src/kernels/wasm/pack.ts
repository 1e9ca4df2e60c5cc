// int4/uint4 and int2/uint2 packing and unpacking through the WebAssembly SIMD kernels, the
// same bytes and values as core/pack.ts (the reference and the fallback: 8- and 16-bit types,
// values that are not an Int8Array or Uint8Array, SIMD missing or disabled).
import { pack, QTYPES, unpack, type QType, type StorageArray } from '../../core/index.js';
import { CHUNK, wasmKernels } from './instance.js';

/** Unpacked values (one per element) -> ONNX packed bytes, as core's pack. */
export function packFast(qtype: QType, values: ArrayLike<number>): Uint8Array {
  const { bits, perByte } = QTYPES[qtype];
  const k = wasmKernels();
  if (k === undefined || perByte === 1) return pack(qtype, values);
  if (!(values instanceof Int8Array || values instanceof Uint8Array)) return pack(qtype, values);
  const out = new Uint8Array(Math.ceil(values.length / perByte));
  const [vp, op] = k.reserve([CHUNK, CHUNK / perByte]) as [number, number];
  const inView = new Uint8Array(k.buffer, vp, CHUNK);
  const outView = new Uint8Array(k.buffer, op, CHUNK / perByte);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.length);
  for (let s = 0; s < bytes.length; s += CHUNK) {
    const c = Math.min(CHUNK, bytes.length - s);
    inView.set(bytes.subarray(s, s + c));
    k.exports.packChunk(vp, op, c, bits);
    out.set(outView.subarray(0, Math.ceil(c / perByte)), s / perByte);
  }
  return out;
}

/** ONNX packed bytes -> `count` unpacked values (sign-extended when signed), as core's unpack. */
export function unpackFast(qtype: QType, bytes: Uint8Array, count: number): StorageArray {
  const { bits, perByte, signed } = QTYPES[qtype];
  const k = wasmKernels();
  if (k === undefined || perByte === 1 || bytes.length < Math.ceil(count / perByte)) {
    return unpack(qtype, bytes, count);
  }
  const out = new QTYPES[qtype].storage(count);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, count);
  const [bp, op] = k.reserve([CHUNK / perByte, CHUNK]) as [number, number];
  const inView = new Uint8Array(k.buffer, bp, CHUNK / perByte);
  const outView = new Uint8Array(k.buffer, op, CHUNK);
  for (let s = 0; s < count; s += CHUNK) {
    const c = Math.min(CHUNK, count - s);
    inView.set(bytes.subarray(s / perByte, s / perByte + Math.ceil(c / perByte)));
    k.exports.unpackChunk(bp, op, c, bits, signed ? 1 : 0);
    outBytes.set(outView.subarray(0, c), s);
  }
  return out;
}

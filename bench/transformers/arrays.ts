// Reads the transformer bench's committed arrays: .npy files of uint8, uint16, int64 or
// float32 (held-out sets are stored narrow to stay small), and .npz calibration samples, as
// runtime tensors. Benchmark code only: not the product's calibration readers (src/readers).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { zipMemberBytes, zipMembers } from '../../src/readers/zip.js';
import type { RuntimeTensor } from '../../src/runtime/onnxruntime.js';

/** A parsed .npy: its dtype code (e.g. '<i8'), shape and values. */
export interface NpyData {
  readonly descr: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Uint16Array | BigInt64Array | Float32Array;
}

const TYPED: Readonly<Record<string, (b: ArrayBuffer, n: number) => NpyData['data']>> = {
  '|u1': (b, n) => new Uint8Array(b, 0, n),
  '<u2': (b, n) => new Uint16Array(b, 0, n),
  '<i8': (b, n) => new BigInt64Array(b, 0, n),
  '<f4': (b, n) => new Float32Array(b, 0, n),
};

/** Parses .npy bytes (C order, one of the dtypes above); `file` names it in errors. */
export function parseNpyAny(bytes: Uint8Array, file: string): NpyData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLength = major >= 2 ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = major >= 2 ? 12 : 10;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  const make = TYPED[descr];
  if (make === undefined || /'fortran_order'\s*:\s*True/.test(header)) {
    throw new Error(`${file}: dtype ${descr} or order not read here`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const body = bytes.slice(start + headerLength);
  return { descr, shape, data: make(body.buffer, n) };
}

/** Reads one .npy file. */
export function readNpy(path: string): NpyData {
  return parseNpyAny(new Uint8Array(readFileSync(path)), path);
}

/** Widens integer values to int64 (token ids and masks as the models take them). */
export function toInt64(a: NpyData): BigInt64Array {
  if (a.data instanceof BigInt64Array) return a.data;
  if (a.data instanceof Float32Array) throw new Error(`float32 array is not ids`);
  return BigInt64Array.from(a.data, (v) => BigInt(v));
}

/** A runtime tensor from an .npy array (int64 or float32 as stored). */
export function toTensor(a: NpyData, file: string): RuntimeTensor {
  if (a.data instanceof BigInt64Array) return { type: 'int64', dims: a.shape, data: a.data };
  if (a.data instanceof Float32Array) return { type: 'float32', dims: a.shape, data: a.data };
  throw new Error(`${file}: calibration arrays are int64 or float32, found ${a.descr}`);
}

/** Every .npz sample in `folder` (sorted by name), each as input name -> tensor. */
export function readNpzFolder(folder: string): Record<string, RuntimeTensor>[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.npz'))
    .sort()
    .map((f) => {
      const file = join(folder, f);
      const bytes = new Uint8Array(readFileSync(file));
      const feeds: Record<string, RuntimeTensor> = {};
      for (const m of zipMembers(bytes, file)) {
        const name = m.name.replace(/\.npy$/, '');
        feeds[name] = toTensor(parseNpyAny(zipMemberBytes(bytes, m, file), file), file);
      }
      return feeds;
    });
}

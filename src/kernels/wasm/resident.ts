// Typed arrays that live in the WebAssembly kernels' memory, so that the fast paths (quantize,
// dequantize, fake-quant, minmax, histogram) read and write them in place instead of copying
// each 16K chunk in and out, which costs about as much as the kernels themselves. They live in
// the shared-memory instance (its views survive growth), so only where the engine has shared
// memory. Not an allocator for anything else.
import { sharedKernels, type WasmKernels } from './instance.js';

/** The element types a resident array can have. */
export type ResidentArray = Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array;

type ResidentConstructor<T extends ResidentArray> = new (
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => T;

/** Buffers the kernels' memory has had (one per growth): a resident array's buffer is one. */
const buffers = new WeakSet<ArrayBufferLike>();
/** The module the arrays live in (kept when the fast paths are switched off). */
let owner: WasmKernels | undefined;

/**
 * A zeroed array of n elements of `type` in the kernels' memory, allocated until
 * releaseKernelArray (not freed on collection: a subarray may outlive it); undefined where the
 * fast paths are off or the memory is not shared (no SharedArrayBuffer): callers keep an
 * ordinary array then.
 */
export function kernelArray<T extends ResidentArray>(
  type: ResidentConstructor<T> & { readonly BYTES_PER_ELEMENT: number },
  n: number,
): T | undefined {
  const k = sharedKernels();
  if (k === undefined) return undefined;
  owner = k;
  const bytes = n * type.BYTES_PER_ELEMENT;
  const offset = k.regions.allocate(bytes);
  k.ensure(k.regions.end);
  const buffer = k.buffer;
  buffers.add(buffer);
  const array = new type(buffer, offset, n);
  array.fill(0);
  return array;
}

/** Gives a kernel array's memory back; the array must not be used afterwards. */
export function releaseKernelArray(array: ResidentArray): void {
  if (owner === undefined || !buffers.has(array.buffer)) return;
  owner.regions.free(array.byteOffset);
}

/** Where a live kernel array lives: its instance and byte offset; undefined for other arrays. */
export function residentAt(
  array: ArrayBufferView,
): { readonly kernels: WasmKernels; readonly offset: number } | undefined {
  if (owner === undefined || !buffers.has(array.buffer)) return undefined;
  const { byteOffset, byteLength } = array;
  return owner.regions.holds(byteOffset, byteLength)
    ? { kernels: owner, offset: byteOffset }
    : undefined;
}

/** The byte offset of `array` in k's memory when it is a live kernel array there, else undefined. */
export function residentOffset(k: WasmKernels, array: ArrayBufferView): number | undefined {
  const at = residentAt(array);
  return at?.kernels === k ? at.offset : undefined;
}

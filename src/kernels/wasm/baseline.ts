// Baselines for the loop benchmark (bench/loops.ts), in the same shape as the fast paths: the
// memory-bound pass in WebAssembly (float32 in, one byte out, through the same chunked copies)
// and the copies alone, which show what moving data in and out of wasm memory costs. Not used
// for results anywhere.
import { CHUNK, wasmKernels } from './instance.js';

/**
 * x: f32 [n] -> out: u8 [n] through wasm memory chunk by chunk; with `kernel` false only the
 * copies run. False when WebAssembly SIMD is unavailable.
 */
export function memoryBoundPassWasm(x: Float32Array, out: Uint8Array, kernel = true): boolean {
  const k = wasmKernels();
  if (k === undefined) return false;
  const [xp, op] = k.reserve([CHUNK * 4, CHUNK]) as [number, number];
  const inView = new Float32Array(k.buffer, xp, CHUNK);
  const outView = new Uint8Array(k.buffer, op, CHUNK);
  for (let s = 0; s < x.length; s += CHUNK) {
    const c = Math.min(CHUNK, x.length - s);
    inView.set(x.subarray(s, s + c));
    if (kernel) k.exports.passChunk(xp, op, c);
    out.set(c === CHUNK ? outView : outView.subarray(0, c), s);
  }
  return true;
}

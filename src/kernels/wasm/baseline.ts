// Baselines for the loop benchmark (bench/loops.ts), in the same shape as the fast paths: the
// memory-bound pass in WebAssembly (float32 in, one byte out, through the same chunked copies),
// the copies alone, which show what moving data in and out of wasm memory costs, and the
// kernels alone on a chunk already in wasm memory. Not used for results anywhere.
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

/** One kernel call on a chunk already in wasm memory (no copies), for the benchmark. */
export interface CachedChunkCase {
  readonly name: string;
  /** Values one run processes (one chunk). */
  readonly values: number;
  readonly run: () => void;
}

/**
 * The kernels alone on one chunk of `x` (its first CHUNK values) held in wasm memory, so a
 * call costs only the kernel: the memory-bound pass, quantize int8 per tensor (scale `scale`),
 * minmax, and histogram binning on 2048 bins over [min, max] of the chunk, with and without
 * the finite/top checks. Each run processes CHUNK values. Empty when SIMD is unavailable.
 */
export function cachedChunkCases(x: Float32Array, scale: number): CachedChunkCase[] {
  const k = wasmKernels();
  if (k === undefined || x.length < CHUNK) return [];
  const bins = 2048;
  const [xp, op, sp, zpp, mp, hp] = k.reserve([
    CHUNK * 4,
    CHUNK * 4,
    4,
    4,
    16,
    4 * (bins + 1) * 4 + 176,
  ]) as [number, number, number, number, number, number];
  const chunk = x.subarray(0, CHUNK);
  new Float32Array(k.buffer, xp, CHUNK).set(chunk);
  new Float32Array(k.buffer, sp, 1)[0] = scale;
  new Int32Array(k.buffer, zpp, 1)[0] = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of chunk) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const span = Math.fround(hi - lo);
  const e = k.exports;
  const histogram = (checks: number) => (): void =>
    e.histogramChunk(xp, CHUNK, hp, bins, lo, span, 0, 0, bins, bins - 1, checks, checks);
  const cases: Omit<CachedChunkCase, 'values'>[] = [
    { name: 'memory-bound pass', run: () => e.passChunk(xp, op, CHUNK) },
    {
      name: 'quantize int8 per tensor',
      run: () => e.quantizeChunk(0, xp, op, 0, CHUNK, 0, 1, CHUNK, 1, sp, zpp, -127, 127, 0),
    },
    { name: 'minmax', run: () => e.minmaxChunk(xp, 0, CHUNK, 0, 1, CHUNK, mp, mp + 4, mp + 8) },
    { name: 'histogram binning, checked', run: histogram(0) },
    { name: 'histogram binning, finite batch', run: histogram(1) },
  ];
  return cases.map((c) => ({ ...c, values: CHUNK }));
}

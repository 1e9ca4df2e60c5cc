// Loads the WebAssembly SIMD kernels synchronously from the bytes embedded at build time (no
// fetch, no Node built-in, so the same code runs in Node and browsers), when the engine has
// WebAssembly SIMD, and hands out scratch regions of their memory. A second instance, of the
// shared-memory build, holds the arrays that live in kernel memory (resident.ts): its views
// survive growth, but V8 copies into shared memory slower, so copying paths use the first.
// Not the kernel drivers and not a fallback.
import { KERNELS_WASM_BASE64, KERNELS_WASM_SHARED_BASE64 } from './kernels-wasm.generated.js';
import { Regions } from './regions.js';

/** The module's exports; pointers are byte offsets into `memory`. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  quantizeChunk(
    what: number,
    ip: number,
    op: number,
    base: number,
    count: number,
    mode: number,
    length: number,
    inner: number,
    blockSize: number,
    sp: number,
    zpp: number,
    qmin: number,
    qmax: number,
    kind: number,
  ): void;
  minmaxChunk(
    xp: number,
    base: number,
    count: number,
    mode: number,
    length: number,
    inner: number,
    minp: number,
    maxp: number,
    counters: number,
  ): void;
  histogramChunk(
    xp: number,
    n: number,
    hp: number,
    bins: number,
    origin: number,
    span: number,
    start: number,
    exponent: number,
    tTop: number,
    atTop: number,
    finite: number,
    belowTop: number,
  ): void;
  /** f64 counts[bins] at cp += the four i32 lane counts histogramChunk left at hp. */
  histogramFlush(hp: number, bins: number, cp: number): void;
  packChunk(vp: number, op: number, n: number, bits: number): void;
  unpackChunk(bp: number, op: number, n: number, bits: number, signed: number): void;
  passChunk(xp: number, op: number, n: number): void;
  /** f32 c[m, n] (+)= a[m, k] b[k, n] (assembly/gemm.ts; the QAT executor's products). */
  sgemm(
    m: number,
    n: number,
    k: number,
    ap: number,
    bp: number,
    cp: number,
    accumulate: number,
  ): void;
  /** Depthwise 2-D conv forward and gradients on padded planes (assembly/depthwise.ts). */
  dwForward(...args: number[]): void;
  dwBackwardData(...args: number[]): void;
  dwBackwardWeight(...args: number[]): void;
  metricsChunk(
    xp: number,
    qp: number,
    base: number,
    count: number,
    mode: number,
    length: number,
    inner: number,
    blockSize: number,
    sp: number,
    zpp: number,
    qmin: number,
    qmax: number,
    kind: number,
    accp: number,
    usedMin: number,
    usedMax: number,
  ): void;
}

/** Elements per chunk copied into wasm memory: small enough to stay in L2 between passes. */
export const CHUNK = 16384;

// wasm-feature-detect's SIMD probe: (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** True when this engine validates a WebAssembly SIMD module. */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** A loaded kernel module and a bump layout of its memory. */
export class WasmKernels {
  readonly exports: KernelExports;
  /** Arrays that live in the memory (resident.ts), from the heap base up; scratch lies above. */
  readonly regions: Regions;
  /** True when the memory is shared: its views stay valid when it grows. */
  readonly shared: boolean;

  constructor(exports: KernelExports) {
    this.exports = exports;
    this.regions = new Regions(align(exports.heapBase()));
    this.shared =
      typeof SharedArrayBuffer === 'function' && exports.memory.buffer instanceof SharedArrayBuffer;
  }

  /**
   * Byte offsets of scratch regions of the given byte sizes (64-byte aligned, above every
   * resident array), memory grown to hold them. Valid until the next call.
   */
  reserve(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let end = this.regions.end;
    for (const size of sizes) {
      offsets.push(end);
      end = align(end + size);
    }
    this.ensure(end);
    return offsets;
  }

  /** Grows the memory to hold `end` bytes. */
  ensure(end: number): void {
    const memory = this.exports.memory;
    const missing = end - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  }

  /** The memory's current buffer (replaced whenever memory grows: views are made after reserve). */
  get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function instantiate(base64: string): KernelExports {
  const module = new WebAssembly.Module(decodeBase64(base64));
  return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
}

let loaded: WasmKernels | null | undefined;
let enabled = true;

/** The kernels, or undefined where WebAssembly SIMD is missing or the fast paths are disabled. */
export function wasmKernels(): WasmKernels | undefined {
  if (!enabled) return undefined;
  if (loaded === undefined) {
    loaded = null;
    if (simdSupported()) loaded = new WasmKernels(instantiate(KERNELS_WASM_BASE64));
  }
  return loaded ?? undefined;
}

let sharedLoaded: WasmKernels | null | undefined;

/**
 * The instance with a shared memory, for arrays that live in kernel memory; undefined where
 * the fast paths are off, SIMD is missing, or the engine has no shared memory.
 */
export function sharedKernels(): WasmKernels | undefined {
  if (wasmKernels() === undefined) return undefined;
  if (sharedLoaded === undefined) {
    sharedLoaded = null;
    if (typeof SharedArrayBuffer === 'function') {
      try {
        const k = new WasmKernels(instantiate(KERNELS_WASM_SHARED_BASE64));
        if (k.shared) sharedLoaded = k;
      } catch {
        // SharedArrayBuffer without shared wasm memory: no resident arrays
      }
    }
  }
  return sharedLoaded ?? undefined;
}

/**
 * Turns the WebAssembly fast paths on or off for this process (tests and benchmarks force the
 * TypeScript fallback with false); returns the previous setting.
 */
export function setWasmKernelsEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** True when the fast paths are enabled and WebAssembly SIMD is present. */
export function wasmKernelsActive(): boolean {
  return wasmKernels() !== undefined;
}

// Quantize, dequantize and fake-quant through the WebAssembly SIMD kernels, chunk by chunk
// (16K elements copied in, processed, copied out while still in cache; arrays that live in the
// kernels' memory, resident.ts, are read or written in place), with the same results bit for
// bit as src/core/quantize.ts, which stays the reference and the fallback: used where SIMD is
// missing, the fast paths are disabled, or a zero point is outside +-2^16.
import {
  dequantize,
  fakeQuantize,
  layoutOf,
  quantize,
  QTYPES,
  allocate,
  type QParams,
  type StorageArray,
} from '../../core/index.js';
import { CHUNK, wasmKernels, type WasmKernels } from './instance.js';
import { residentAt, residentOffset } from './resident.js';

/** The kernels' storage kinds, by typed array. */
export const KINDS = new Map<unknown, number>([
  [Int8Array, 0],
  [Uint8Array, 1],
  [Int16Array, 2],
  [Uint16Array, 3],
]);
const F32 = 4;
const SIZES = [1, 1, 2, 2, 4];
const ZP_LIMIT = 2 ** 16;

/** The chunk driver's view of a layout: mode, length, inner, block size. */
export interface Walk {
  readonly mode: number;
  readonly length: number;
  readonly inner: number;
  readonly blockSize: number;
}

/** The layout walk for `params` over `shape`, or undefined when the sizes do not match (fallback). */
export function walkOf(n: number, shape: readonly number[], params: QParams): Walk | undefined {
  const g = params.granularity;
  const layout = layoutOf(shape, g);
  if (layout.outer * layout.length * layout.inner !== n) return undefined;
  if (params.scale.length !== layout.groups || params.zeroPoint.length !== layout.groups) {
    return undefined;
  }
  for (const z of params.zeroPoint) if (!(Math.abs(z) <= ZP_LIMIT)) return undefined;
  if (g.kind === 'per-tensor') return { mode: 0, length: 1, inner: n, blockSize: 1 };
  if (g.kind === 'per-axis') {
    const mode = layout.inner === 1 ? 2 : 1;
    return { mode, length: layout.length, inner: layout.inner, blockSize: 1 };
  }
  return { mode: 3, length: layout.length, inner: layout.inner, blockSize: g.blockSize };
}

/** Runs one operation over all chunks; `input`/`output` are typed arrays of the sides' kinds. */
function run(
  kernels: WasmKernels,
  what: 0 | 1 | 2,
  input: StorageArray | Float32Array,
  output: StorageArray | Float32Array,
  inKind: number,
  outKind: number,
  walk: Walk,
  params: QParams,
): void {
  // a resident input is read where it lives, in the shared instance
  const k = residentAt(input)?.kernels ?? kernels;
  const n = input.length;
  const groups = params.scale.length;
  const [sp, zpp, ip, op] = k.reserve([
    groups * 4,
    groups * 4,
    CHUNK * SIZES[inKind]!,
    CHUNK * SIZES[outKind]!,
  ]) as [number, number, number, number];
  const buffer = k.buffer;
  new Float32Array(buffer, sp, groups).set(params.scale);
  new Int32Array(buffer, zpp, groups).set(params.zeroPoint);
  const Input = input.constructor as new (b: ArrayBuffer, o: number, n: number) => typeof input;
  const Output = output.constructor as new (b: ArrayBuffer, o: number, n: number) => typeof output;
  const inView = new Input(buffer, ip, CHUNK);
  const outView = new Output(buffer, op, CHUNK);
  const { qmin, qmax } = QTYPES[params.qtype];
  const kind = what === 1 ? inKind : outKind;
  const { mode, length, inner, blockSize } = walk;
  // in place only elementwise: an output overlapping the input elsewhere takes the copies
  let inAt = residentOffset(k, input);
  let outAt = residentOffset(k, output);
  if (inAt !== undefined && outAt !== undefined) {
    const inEnd = inAt + input.byteLength;
    const outEnd = outAt + output.byteLength;
    const inPlace = inAt === outAt && SIZES[inKind] === SIZES[outKind];
    if (inAt < outEnd && outAt < inEnd && !inPlace) [inAt, outAt] = [undefined, undefined];
  }
  for (let s = 0; s < n; s += CHUNK) {
    const c = Math.min(CHUNK, n - s);
    if (inAt === undefined) inView.set(input.subarray(s, s + c));
    k.exports.quantizeChunk(
      what,
      inAt === undefined ? ip : inAt + s * SIZES[inKind]!,
      outAt === undefined ? op : outAt + s * SIZES[outKind]!,
      s,
      c,
      mode,
      length,
      inner,
      blockSize,
      sp,
      zpp,
      qmin,
      qmax,
      kind,
    );
    if (outAt === undefined) output.set(c === CHUNK ? outView : outView.subarray(0, c), s);
  }
}

/** x: f32 [shape] -> q: qtype [shape], as core's quantize (the same values, faster), into `into` if given. */
export function quantizeFast(
  x: Float32Array,
  shape: readonly number[],
  params: QParams,
  into?: StorageArray,
): StorageArray {
  const k = wasmKernels();
  const walk = k === undefined ? undefined : walkOf(x.length, shape, params);
  const storage = QTYPES[params.qtype].storage;
  const fits = into === undefined || (into.constructor === storage && into.length === x.length);
  if (k === undefined || walk === undefined || !fits) return quantize(x, shape, params, into);
  const out = into ?? allocate(params.qtype, x.length);
  const kind = KINDS.get(out.constructor)!;
  run(k, 0, x, out, F32, kind, walk, params);
  return out;
}

/** q: integer [shape] -> f32 [shape], as core's dequantize; typed storage arrays take the fast path. */
export function dequantizeFast(
  q: ArrayLike<number>,
  shape: readonly number[],
  params: QParams,
  into?: Float32Array,
): Float32Array {
  const k = wasmKernels();
  const kind = KINDS.get((q as object).constructor);
  const walk = k === undefined || kind === undefined ? undefined : walkOf(q.length, shape, params);
  const fits = into === undefined || into.length === q.length;
  if (k === undefined || kind === undefined || walk === undefined || !fits) {
    return dequantize(q, shape, params, into);
  }
  const out = into ?? new Float32Array(q.length);
  run(k, 1, q as StorageArray, out, kind, F32, walk, params);
  return out;
}

/** Quantize then dequantize in one pass, as core's fakeQuantize. */
export function fakeQuantizeFast(
  x: Float32Array,
  shape: readonly number[],
  params: QParams,
  into?: Float32Array,
): Float32Array {
  const k = wasmKernels();
  const walk = k === undefined ? undefined : walkOf(x.length, shape, params);
  const fits = into === undefined || into.length === x.length;
  if (k === undefined || walk === undefined || !fits) return fakeQuantize(x, shape, params, into);
  const out = into ?? new Float32Array(x.length);
  // The kernel's clamp needs the qtype's storage kind only for the integer side; f32 out.
  run(k, 2, x, out, F32, F32, walk, params);
  return out;
}

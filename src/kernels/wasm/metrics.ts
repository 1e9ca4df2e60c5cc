// Error metrics of a quantization through the WebAssembly kernel: the sums of core/'s
// quantMetrics in the same element order and float64 arithmetic, so the figures are identical
// bit for bit; core/metrics.ts stays the reference and the fallback (SIMD missing or disabled,
// q not a typed storage array, zero points outside +-2^16).
import { quantMetrics, QTYPES, type QParams, type QuantMetrics } from '../../core/index.js';
import { CHUNK, wasmKernels } from './instance.js';
import { KINDS, walkOf } from './quantize.js';

/** Metrics of x (f32 [shape]) against its quantization q under `params`, as core's quantMetrics. */
export function quantMetricsFast(
  x: Float32Array,
  q: ArrayLike<number>,
  shape: readonly number[],
  params: QParams,
): QuantMetrics {
  const k = wasmKernels();
  const kind = KINDS.get((q as object).constructor);
  const walk = k === undefined || kind === undefined ? undefined : walkOf(x.length, shape, params);
  if (k === undefined || kind === undefined || walk === undefined || q.length !== x.length) {
    return quantMetrics(x, q, shape, params);
  }
  const groups = params.scale.length; // walkOf checked it is the layout's group count
  const size = kind >= 2 ? 2 : 1;
  const [sp, zpp, accp, minp, maxp, xp, qp] = k.reserve([
    groups * 4,
    groups * 4,
    64,
    groups * 4,
    groups * 4,
    CHUNK * 4,
    CHUNK * size,
  ]) as [number, number, number, number, number, number, number];
  const buffer = k.buffer;
  new Float32Array(buffer, sp, groups).set(params.scale);
  new Int32Array(buffer, zpp, groups).set(params.zeroPoint);
  const acc = new Float64Array(buffer, accp, 7).fill(0);
  const usedMin = new Int32Array(buffer, minp, groups).fill(2 ** 31 - 1);
  const usedMax = new Int32Array(buffer, maxp, groups).fill(-(2 ** 31));
  const xView = new Float32Array(buffer, xp, CHUNK);
  const Storage = q.constructor as new (b: ArrayBuffer, o: number, n: number) => Int8Array;
  const qView = new Storage(buffer, qp, CHUNK);
  const qs = q as Int8Array;
  const { qmin, qmax } = QTYPES[params.qtype];
  const { mode, length, inner, blockSize } = walk;
  for (let s = 0; s < x.length; s += CHUNK) {
    const c = Math.min(CHUNK, x.length - s);
    xView.set(x.subarray(s, s + c));
    qView.set(qs.subarray(s, s + c));
    k.exports.metricsChunk(
      xp,
      qp,
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
      accp,
      minp,
      maxp,
    );
  }
  const [signal, noise, dot, approx, maxAbs, n, clipped] = Array.from(acc);
  const levels = params.grid.qmax - params.grid.qmin + 1;
  let used = 0;
  let counted = 0;
  for (let g = 0; g < groups; g++) {
    if (usedMax[g]! < usedMin[g]!) continue;
    used += (usedMax[g]! - usedMin[g]! + 1) / levels;
    counted++;
  }
  const norms = Math.sqrt(signal!) * Math.sqrt(approx!);
  return {
    mse: n === 0 ? 0 : noise! / n!,
    sqnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal! / noise!),
    maxAbsError: maxAbs!,
    cosine: norms === 0 ? (signal === approx ? 1 : 0) : dot! / norms,
    clippedFraction: n === 0 ? 0 : clipped! / n!,
    gridUsed: counted === 0 ? 0 : Math.min(1, used / counted),
  };
}

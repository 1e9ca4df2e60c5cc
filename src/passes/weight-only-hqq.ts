// HQQ (half-quadratic quantization, Badri & Shaji 2023; onnxruntime's matmul_4bits_quantizer
// HQQ path) for weight-only blocks: data-free, per block. Starting from RTN's min/max grid it
// alternates (1) a shrinkage of the rounding error under an lp loss, p < 1, which lets outliers
// keep their error, and (2) a least-squares refit of the grid to the weights minus that error.
// The stored formats hold integer zero points, so the zero point is rounded after each refit and
// the scale refitted to it (HQQ's own zero is a float). Not the ONNX layouts, not RTN.
import {
  ROUNDING_MAGIC,
  quantRange,
  type QParams,
  type QuantSpec,
  type ScaleZeroPoint,
} from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import {
  blockQType,
  blockQuantize,
  type BlockQuantized,
  type BlockSpec,
} from './weight-only-blocks.js';

/** HQQ's knobs; the defaults are onnxruntime's (p 0.7, beta 10, kappa 1.01, 20 iterations). */
export interface HqqOptions {
  readonly p?: number;
  readonly beta?: number;
  readonly kappa?: number;
  readonly iterations?: number;
}

const MIN_NORMAL = 2 ** -126;

/** Sum over x[start, end) of |x - dequantize(quantize(x))|^p on the grid (scale, zeroPoint). */
export function lpError(
  x: Float32Array,
  start: number,
  end: number,
  grid: ScaleZeroPoint,
  bounds: { qmin: number; qmax: number },
  p: number,
): number {
  const { scale, zeroPoint } = grid;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = x[i]!;
    let q = Math.fround(v / scale) + ROUNDING_MAGIC - ROUNDING_MAGIC + zeroPoint;
    q = q < bounds.qmin ? bounds.qmin : q > bounds.qmax ? bounds.qmax : q;
    sum += Math.abs(v - Math.fround((q - zeroPoint) * scale)) ** p;
  }
  return sum;
}

/** Shrinks r towards 0 by (1/beta) |r|^(p-1): the lp proximal step HQQ takes. */
function shrink(r: number, beta: number, p: number): number {
  const a = Math.abs(r);
  const cut = a - (1 / beta) * (a + 1e-8) ** (p - 1);
  return cut > 0 ? Math.sign(r) * cut : 0;
}

/**
 * Optimises one block x[start, end) from the RTN grid `init`; returns the best grid and the lp
 * objective of every accepted iterate (trace[0] is RTN's; each entry is below the one before).
 */
export function hqqBlock(
  x: Float32Array,
  start: number,
  end: number,
  init: ScaleZeroPoint,
  spec: QuantSpec,
  options: HqqOptions = {},
): { grid: ScaleZeroPoint; trace: number[] } {
  const { p = 0.7, kappa = 1.01, iterations = 20 } = options;
  let beta = options.beta ?? 10;
  const bounds = quantRange(spec);
  const symmetric = spec.scheme === 'symmetric';
  const s0 = init.scale;
  let grid = init;
  const trace = [lpError(x, start, end, grid, bounds, p)];
  const count = end - start;
  for (let it = 0; it < iterations && trace[trace.length - 1]! > 0; it++) {
    // In units of the first scale, so beta means the same for every block.
    const s = grid.scale / s0;
    const z = grid.zeroPoint;
    let [sq, st, sqq, sqt] = [0, 0, 0, 0];
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      let q = Math.fround(v / grid.scale) + ROUNDING_MAGIC - ROUNDING_MAGIC + z;
      q = q < bounds.qmin ? bounds.qmin : q > bounds.qmax ? bounds.qmax : q;
      const u = v / s0;
      const t = u - shrink(u - s * (q - z), beta, p);
      sq += q;
      st += t;
      sqq += q * q;
      sqt += q * t;
    }
    beta *= kappa;
    let zeroPoint = z;
    if (!symmetric) {
      // t ~ a q + b by least squares, then the integer zero point nearest -b / a.
      const varQ = sqq - (sq * sq) / count;
      if (varQ <= 0) break;
      const a = (sqt - (sq * st) / count) / varQ;
      if (!(a > 0)) break;
      const b = (st - a * sq) / count;
      zeroPoint = Math.round(-b / a);
      zeroPoint = Math.min(bounds.qmax, Math.max(bounds.qmin, zeroPoint));
    }
    // The scale given the zero point: sum t (q - z) / sum (q - z)^2.
    const den = sqq - 2 * zeroPoint * sq + count * zeroPoint * zeroPoint;
    const num = sqt - zeroPoint * st;
    if (!(den > 0) || !(num > 0)) break;
    const scale = Math.max(MIN_NORMAL, Math.fround((num / den) * s0));
    if (!Number.isFinite(scale)) break;
    const next = { scale, zeroPoint };
    const error = lpError(x, start, end, next, bounds, p);
    if (!(error < trace[trace.length - 1]!)) break;
    trace.push(error);
    grid = next;
  }
  return { grid, trace };
}

/** w: f32 [N, K] -> codes and per-block parameters chosen by HQQ from RTN's (clip search off). */
export function hqqQuantize(
  w: Float32Array,
  n: number,
  k: number,
  spec: BlockSpec,
  tensor: string,
  options: HqqOptions = {},
): BlockQuantized {
  const rtn = blockQuantize(w, n, k, { ...spec, clipSearch: false }, tensor);
  const qtype = blockQType(spec);
  const quant: QuantSpec = { qtype, scheme: spec.scheme };
  const scale = Float32Array.from(rtn.params.scale);
  const zeroPoint = Int32Array.from(rtn.params.zeroPoint);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < rtn.blocks; b++) {
      const g = row * rtn.blocks + b;
      const start = row * k + b * spec.blockSize;
      const end = row * k + Math.min(k, (b + 1) * spec.blockSize);
      const init = { scale: scale[g]!, zeroPoint: zeroPoint[g]! };
      const { grid } = hqqBlock(w, start, end, init, quant, options);
      scale[g] = grid.scale;
      zeroPoint[g] = grid.zeroPoint;
    }
  }
  const params: QParams = { ...rtn.params, scale, zeroPoint };
  const codes = quantizeFast(w, [n, k], params);
  return { ...rtn, codes, params };
}

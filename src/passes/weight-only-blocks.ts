// Block quantization of one weight matrix for the weight-only formats: W viewed as [N, K] (a
// row per output feature), blocks of `blockSize` along K; symmetric blocks store a scale (absmax,
// int4/int8 narrow grid, zero point 0), asymmetric blocks a scale and a zero point (min/max,
// uint4/uint8). An optional clipping search picks, per block, the range that minimises the
// block's MSE. Not the ONNX layouts: weight-only-matmulnbits.ts and weight-only-qdq.ts.
import {
  QTYPES,
  ROUNDING_MAGIC,
  chooseQParams,
  fail,
  quantRange,
  type QParams,
  type QType,
  type QuantSpec,
  type Scheme,
  type StorageArray,
} from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';

/** How a weight is block-quantized. */
export interface BlockSpec {
  readonly bits: 4 | 8;
  readonly scheme: Scheme;
  /** Weights per block along K (32, 64, 128 or 256 from the CLI). */
  readonly blockSize: number;
  /** Search each block's clipping ratio for the least MSE (default off). */
  readonly clipSearch?: boolean;
}

/** One weight quantized in blocks: codes [N, K] and one scale/zero point per [N, block]. */
export interface BlockQuantized {
  readonly qtype: QType;
  readonly n: number;
  readonly k: number;
  readonly blocks: number;
  /** Unpacked codes, row-major [N, K]. */
  readonly codes: StorageArray;
  /** Per-block parameters on [N, K] (per-block granularity along axis 1). */
  readonly params: QParams;
  /** Zeros appended to each row to fill the last block: blocks * blockSize - K. */
  readonly padding: number;
}

/** Clipping ratios the search tries: 1 (plain min/max) down to 0.5. */
const CLIP_RATIOS = Array.from({ length: 26 }, (_, i) => 1 - i * 0.02);

/** The qtype of a spec: signed for symmetric blocks, unsigned for asymmetric ones. */
export function blockQType(spec: BlockSpec): QType {
  if (spec.scheme === 'symmetric') return spec.bits === 4 ? 'int4' : 'int8';
  return spec.bits === 4 ? 'uint4' : 'uint8';
}

/** Fails with `bad-model` naming the tensor and the first non-finite element. */
export function checkFinite(data: Float32Array, tensor: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      fail('bad-model', `weight '${tensor}' holds ${v} at flat index ${i}; cannot quantize it`, {
        tensor,
      });
    }
  }
}

/** Squared error of quantizing x[start, end) with (scale, zeroPoint) on [qmin, qmax]. */
function blockError(
  x: Float32Array,
  start: number,
  end: number,
  scale: number,
  zeroPoint: number,
  qmin: number,
  qmax: number,
): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = x[i] as number;
    let q = Math.fround(v / scale) + ROUNDING_MAGIC - ROUNDING_MAGIC + zeroPoint;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    const e = v - Math.fround((q - zeroPoint) * scale);
    sum += e * e;
  }
  return sum;
}

/**
 * w: f32 [N, K] -> codes [N, K] and parameters f32/int [N, ceil(K / blockSize)].
 * Padding a row with zeros up to whole blocks changes no parameter (both schemes widen the range
 * to include 0), so the last, partial block is quantized as it stands. NaN/Inf fail naming `tensor`.
 */
export function blockQuantize(
  w: Float32Array,
  n: number,
  k: number,
  spec: BlockSpec,
  tensor: string,
): BlockQuantized {
  const { blockSize } = spec;
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    fail('bad-argument', `block size must be a power of two >= 16, got ${blockSize}`);
  }
  if (w.length !== n * k) fail('bad-shape', `weight '${tensor}' is not [${n}, ${k}]`, { tensor });
  checkFinite(w, tensor);
  const qtype = blockQType(spec);
  const quant: QuantSpec = { qtype, scheme: spec.scheme };
  const { qmin, qmax } = QTYPES[qtype];
  const blocks = Math.ceil(k / blockSize);
  const scale = new Float32Array(n * blocks);
  const zeroPoint = new Int32Array(n * blocks);
  const ratios = spec.clipSearch === true ? CLIP_RATIOS : [1];
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const start = row * k + b * blockSize;
      const end = row * k + Math.min(k, (b + 1) * blockSize);
      let lo = 0;
      let hi = 0;
      for (let i = start; i < end; i++) {
        const v = w[i] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      let best = Infinity;
      for (const r of ratios) {
        const p = chooseQParams(Math.fround(lo * r), Math.fround(hi * r), quant);
        const error =
          ratios.length === 1 ? 0 : blockError(w, start, end, p.scale, p.zeroPoint, qmin, qmax);
        if (error < best) {
          best = error;
          scale[row * blocks + b] = p.scale;
          zeroPoint[row * blocks + b] = p.zeroPoint;
        }
      }
    }
  }
  const granularity = { kind: 'per-block', axis: 1, blockSize } as const;
  const params: QParams = { qtype, granularity, scale, zeroPoint, grid: quantRange(quant) };
  const codes = quantizeFast(w, [n, k], params);
  return { qtype, n, k, blocks, codes, params, padding: blocks * blockSize - k };
}

/**
 * Bytes per weight a block format stores: bits / 8 for the code, a float32 scale per block and,
 * for asymmetric blocks, a `bits`-bit zero point per block (packed as MatMulNBits and ONNX do).
 */
export function bytesPerWeight(spec: BlockSpec, k: number): number {
  const blocks = Math.ceil(k / spec.blockSize);
  const zeroPointBytes = spec.scheme === 'asymmetric' ? spec.bits / 8 : 0;
  return (k * (spec.bits / 8) + blocks * (4 + zeroPointBytes)) / k;
}

/** [rows, cols] -> [cols, rows], row-major. */
export function transpose<A extends Float32Array | Int32Array | StorageArray>(
  x: A,
  rows: number,
  cols: number,
): A {
  const out = new (x.constructor as new (length: number) => A)(x.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number;
  }
  return out;
}

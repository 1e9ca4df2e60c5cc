// GPTQ (Frantar et al. 2022, "Accurate Post-Training Quantization for Generative Pre-trained
// Transformers", Algorithm 1) for weight-only blocks along K, as MatMulNBits lays them out:
// columns of W [N, K] are quantized one at a time and each one's rounding error, weighted by
// the inverse Hessian H^-1 (H = 2 X^T X of the layer's input over the calibration data), is
// fed back into the columns not yet quantized; updates are applied lazily in batches of 128
// columns. A block's scale and zero point are RTN's (blockQuantize), chosen when its first column
// is reached, from the weights as the feedback left them; with act-order (columns by descending
// diag H) they are chosen up front from the original weights ("static groups"), so the block
// layout is unchanged. Not the statistics (weight-only-hessian.ts), not the ONNX layouts.
import { ROUNDING_MAGIC, allocate, type QParams } from '../core/index.js';
import {
  blockQType,
  blockQuantize,
  type BlockQuantized,
  type BlockSpec,
} from './weight-only-blocks.js';
import { inverseCholeskyUpper } from './weight-only-hessian.js';

/** GPTQ's options: damping (a fraction of mean diag H, default 0.01) and act-order (default off). */
export interface GptqOptions {
  readonly damping?: number;
  readonly actOrder?: boolean;
  /** Columns per lazy batch update (default 128). */
  readonly batch?: number;
}

/** RTN parameters of one block given as its columns, cols: f32 [N, width] -> [N] each. */
function blockParams(
  cols: Float32Array,
  n: number,
  width: number,
  spec: BlockSpec,
  tensor: string,
): { scale: Float32Array; zeroPoint: Int32Array } {
  const q = blockQuantize(cols, n, width, spec, tensor);
  return { scale: q.params.scale, zeroPoint: q.params.zeroPoint };
}

/**
 * w: f32 [N, K], h: f64 [K, K] (X^T X; any positive multiple gives the same result) ->
 * codes [N, K] and per-block parameters [N, ceil(K / blockSize)].
 */
export function gptqQuantize(
  w: Float32Array,
  n: number,
  k: number,
  spec: BlockSpec,
  tensor: string,
  h: Float64Array,
  options: GptqOptions = {},
): BlockQuantized {
  const { blockSize } = spec;
  const rtn = blockQuantize(w, n, k, spec, tensor);
  const qtype = blockQType(spec);
  const { qmin, qmax } = rtn.params.grid;
  const blocks = rtn.blocks;
  const hessian = Float64Array.from(h);
  // W^T: column i of W is row i here, so feedback runs over contiguous memory.
  const wt = new Float64Array(k * n);
  for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) wt[i * n + r] = w[r * k + i]!;
  // Dead inputs (never non-zero in calibration): their weights cannot matter; H_ii = 1.
  for (let i = 0; i < k; i++) {
    if (hessian[i * k + i] === 0) hessian[i * k + i] = 1;
  }
  const order = Array.from({ length: k }, (_, i) => i);
  if (options.actOrder === true) {
    order.sort((a, b) => hessian[b * k + b]! - hessian[a * k + a]! || a - b);
  }
  const ph = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) ph[i * k + j] = hessian[order[i]! * k + order[j]!]!;
  }
  const u = inverseCholeskyUpper(ph, k, options.damping ?? 0.01, tensor);
  const scale = Float32Array.from(rtn.params.scale);
  const zeroPoint = Int32Array.from(rtn.params.zeroPoint);
  const codes = allocate(qtype, n * k);
  const step = options.batch ?? 128;
  const errors = new Float64Array(step * n);
  const column = new Float32Array(n * blockSize);
  for (let i1 = 0; i1 < k; i1 += step) {
    const i2 = Math.min(k, i1 + step);
    for (let i = i1; i < i2; i++) {
      const c = order[i]!;
      const b = Math.floor(c / blockSize);
      if (options.actOrder !== true && c % blockSize === 0) {
        // The block's grid from the weights as the feedback so far left them.
        const width = Math.min(blockSize, k - c);
        const cols = column.subarray(0, n * width);
        for (let r = 0; r < n; r++) {
          for (let j = 0; j < width; j++) cols[r * width + j] = wt[(c + j) * n + r]!;
        }
        const p = blockParams(cols, n, width, spec, tensor);
        for (let r = 0; r < n; r++) {
          scale[r * blocks + b] = p.scale[r]!;
          zeroPoint[r * blocks + b] = p.zeroPoint[r]!;
        }
      }
      const d = u[i * k + i]!;
      for (let r = 0; r < n; r++) {
        const v = Math.fround(wt[c * n + r]!);
        const s = scale[r * blocks + b]!;
        const z = zeroPoint[r * blocks + b]!;
        let q = Math.fround(v / s) + ROUNDING_MAGIC - ROUNDING_MAGIC + z;
        q = q < qmin ? qmin : q > qmax ? qmax : q;
        codes[r * k + c] = q;
        const e = (v - Math.fround((q - z) * s)) / d;
        errors[(i - i1) * n + r] = e;
        // Feedback within the batch now: columns i + 1 .. i2 - 1.
        for (let j = i + 1; j < i2; j++) {
          const hij = u[i * k + j]!;
          if (hij !== 0) wt[order[j]! * n + r]! -= e * hij;
        }
      }
    }
    // The batch's errors into every later column at once (the lazy update).
    for (let j = i2; j < k; j++) {
      const row = order[j]! * n;
      for (let i = i1; i < i2; i++) {
        const hij = u[i * k + j]!;
        if (hij === 0) continue;
        const e = (i - i1) * n;
        for (let r = 0; r < n; r++) wt[row + r]! -= errors[e + r]! * hij;
      }
    }
  }
  const params: QParams = { ...rtn.params, scale, zeroPoint };
  return { ...rtn, codes, params };
}

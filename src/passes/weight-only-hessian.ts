// What the calibration-aware weight-only algorithms (GPTQ, AWQ) know about a weight's input
// activations X [rows, K]: X^T X and mean |x| per input channel, accumulated over calibration
// rows; and the dense float64 linear algebra GPTQ needs on K x K matrices (Cholesky, the upper
// Cholesky factor of the inverse). Not collecting X (ptq/weight-activations.ts).
import { fail } from '../core/index.js';

/** Statistics of one activation tensor (a MatMul/Gemm input) over the calibration data. */
export interface ActivationStats {
  /** Input channels: the activation's last dimension. */
  readonly k: number;
  /** Rows (all leading positions of all samples) accumulated. */
  readonly rows: number;
  /** X^T X, f64 [K, K] row-major, symmetric. */
  readonly xtx: Float64Array;
  /** mean |x| per channel, f64 [K]. */
  readonly absMean: Float64Array;
}

/** Accumulates rows of X [rows, K] into X^T X and the |x| sums (upper triangle first). */
export class ActivationAccumulator {
  readonly xtx: Float64Array;
  readonly absSum: Float64Array;
  rows = 0;

  constructor(readonly k: number) {
    this.xtx = new Float64Array(k * k);
    this.absSum = new Float64Array(k);
  }

  /** x: f32 [rows, K] (any leading shape flattened). */
  add(x: Float32Array): void {
    const { k, xtx, absSum } = this;
    const rows = x.length / k;
    for (let r = 0; r < rows; r++) {
      const o = r * k;
      for (let i = 0; i < k; i++) {
        const xi = x[o + i]!;
        absSum[i]! += Math.abs(xi);
        if (xi === 0) continue;
        const base = i * k;
        for (let j = i; j < k; j++) xtx[base + j]! += xi * x[o + j]!;
      }
    }
    this.rows += rows;
  }

  /** The statistics so far (X^T X mirrored into its lower triangle). */
  finish(): ActivationStats {
    const { k, xtx } = this;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) xtx[j * k + i] = xtx[i * k + j]!;
    const absMean = this.absSum.map((s) => s / Math.max(1, this.rows));
    return { k, rows: this.rows, xtx, absMean };
  }
}

/** Lower Cholesky factor L of a [k, k] symmetric matrix (A = L L^T), or undefined if not SPD. */
function cholesky(a: Float64Array, k: number): Float64Array | undefined {
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let t = 0; t < j; t++) d -= l[j * k + t]! ** 2;
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let t = 0; t < j; t++) s -= l[i * k + t]! * l[j * k + t]!;
      l[i * k + j] = s / ljj;
    }
  }
  return l;
}

/** Inverse of a lower-triangular [k, k] matrix (lower-triangular). */
function invertLower(l: Float64Array, k: number): Float64Array {
  const inv = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    inv[j * k + j] = 1 / l[j * k + j]!;
    for (let i = j + 1; i < k; i++) {
      let s = 0;
      for (let t = j; t < i; t++) s += l[i * k + t]! * inv[t * k + j]!;
      inv[i * k + j] = -s / l[i * k + i]!;
    }
  }
  return inv;
}

/**
 * The upper factor U with U^T U = H^-1, as GPTQ uses it: H (f64 [k, k], not modified) is damped
 * by `damping` x mean(diag H) on its diagonal; a matrix that is still not positive definite is
 * damped tenfold more, up to four times, then fails naming `tensor`.
 */
export function inverseCholeskyUpper(
  h: Float64Array,
  k: number,
  damping: number,
  tensor: string,
): Float64Array {
  let mean = 0;
  for (let i = 0; i < k; i++) mean += h[i * k + i]! / k;
  let damp = damping * (mean > 0 ? mean : 1);
  for (let attempt = 0; attempt < 5; attempt++, damp *= 10) {
    const damped = Float64Array.from(h);
    for (let i = 0; i < k; i++) damped[i * k + i]! += damp;
    const l = cholesky(damped, k);
    if (l === undefined) continue;
    // H^-1 = L^-T L^-1; its upper factor is the transpose of its lower Cholesky factor.
    const li = invertLower(l, k);
    const hinv = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = i; t < k; t++) s += li[t * k + i]! * li[t * k + j]!;
        hinv[i * k + j] = s;
        hinv[j * k + i] = s;
      }
    }
    const lower = cholesky(hinv, k);
    if (lower === undefined) continue;
    const upper = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) upper[i * k + j] = lower[j * k + i]!;
    return upper;
  }
  return fail('bad-calibration-data', `the Hessian of '${tensor}' is not positive definite`, {
    tensor,
  });
}

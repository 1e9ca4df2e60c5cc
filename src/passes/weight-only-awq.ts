// AWQ's search (Lin et al. 2023, "Activation-aware Weight Quantization"): per input channel a
// scale s = mean|x|^alpha (normalised so that max s x min s = 1) multiplies the weights before
// they are rounded, and 1/s divides the activation, so salient channels (large |x|) lose less to
// rounding. alpha is searched on a grid per layer group (the weights that read one activation)
// for the least output error over the calibration data, sum over rows r of d_r^T (X^T X) d_r with
// d = W - Q(W diag s) / s. The quantizer is RTN on the run's blocks. Not the graph rewrite that
// applies s (weight-only-awq-fold.ts).
import { dequantize } from '../core/index.js';
import { blockQuantize, type BlockSpec } from './weight-only-blocks.js';
import type { ActivationStats } from './weight-only-hessian.js';

/** One weight of a group, as f32 [N, K]. */
export interface AwqWeight {
  readonly w: Float32Array;
  readonly n: number;
  readonly name: string;
}

/** The alpha grid: 0, 0.05, ..., 1 (AWQ's 20 steps plus 1). alpha 0 is RTN. */
const AWQ_GRID: readonly number[] = Array.from({ length: 21 }, (_, i) => i / 20);

/** What the search chose for one group. */
export interface AwqChoice {
  readonly alpha: number;
  /** f32 [K]: multiply the weights' K axis, divide the activation's channels. */
  readonly scales: Float32Array;
  /** Output error sum of squares with the chosen scales, and with RTN (alpha 0). */
  readonly error: number;
  readonly rtnError: number;
}

/** s = mean|x|^alpha over channels, normalised by sqrt(max s x min s), as float32. */
export function awqScales(absMean: Float64Array, alpha: number): Float32Array {
  const raw = Array.from(absMean, (m) => Math.max(m, 1e-4) ** alpha);
  const norm = Math.sqrt(Math.max(...raw) * Math.min(...raw));
  return Float32Array.from(raw, (v) => v / norm);
}

/** sum over rows of d^T H d, d: f64 [N, K], h: f64 [K, K]. */
function outputError(d: Float64Array, n: number, k: number, h: Float64Array): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    const o = r * k;
    for (let i = 0; i < k; i++) {
      const di = d[o + i]!;
      if (di === 0) continue;
      let s = 0;
      const base = i * k;
      for (let j = 0; j < k; j++) s += h[base + j]! * d[o + j]!;
      total += di * s;
    }
  }
  return total;
}

/** The group's output error when its weights are scaled by `s`, rounded, and scaled back. */
export function awqError(
  weights: readonly AwqWeight[],
  stats: ActivationStats,
  spec: BlockSpec,
  s: Float32Array,
): number {
  const { k, xtx } = stats;
  let total = 0;
  for (const { w, n, name } of weights) {
    const scaled = new Float32Array(w.length);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < k; i++) scaled[r * k + i] = Math.fround(w[r * k + i]! * s[i]!);
    }
    const q = blockQuantize(scaled, n, k, spec, name);
    const back = dequantize(q.codes, [n, k], q.params);
    const d = new Float64Array(w.length);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < k; i++) d[r * k + i] = w[r * k + i]! - back[r * k + i]! / s[i]!;
    }
    total += outputError(d, n, k, xtx);
  }
  return total;
}

/** Searches alpha over `grid` for the group; ties keep the smaller alpha (RTN at 0). */
export function awqSearch(
  weights: readonly AwqWeight[],
  stats: ActivationStats,
  spec: BlockSpec,
  grid: readonly number[] = AWQ_GRID,
): AwqChoice {
  const ones = new Float32Array(stats.k).fill(1);
  const rtnError = awqError(weights, stats, spec, ones);
  let best: AwqChoice = { alpha: 0, scales: ones, error: rtnError, rtnError };
  for (const alpha of grid) {
    if (alpha === 0) continue;
    const scales = awqScales(stats.absMean, alpha);
    const error = awqError(weights, stats, spec, scales);
    if (error < best.error) best = { alpha, scales, error, rtnError };
  }
  return best;
}

// AdaRound for one layer (Nagel et al. 2020, "Up or Down? Adaptive Rounding for Post-Training
// Quantization", eq. 21-25): on a fixed weight grid, learns whether each weight rounds down or
// up by minimising the layer's output error E||W~ x_q - W x_f||^2 plus the annealed rounding
// regularizer, with Adam. The error is written through second moments of the layer's inputs
// (H_qq = E[x_q x_q^T], H_fq = E[x_f x_q^T]), so an iteration is one product per input group.
// Pure arithmetic on typed arrays: not the statistics (adaround-stats.ts), not the model.
import { fail } from '../core/index.js';
import { Adam } from './adam.js';
import { gemmFast as gemm } from './gemm-fast.js';

/** The rectified sigmoid's stretch (paper section 4.1): h = clip(sigmoid(V)(ZETA - GAMMA) + GAMMA, 0, 1). */
export const ZETA = 1.1;
export const GAMMA = -0.1;

/** One layer's rounding problem: weights as output rows over k inputs, each group's moments. */
export interface AdaroundProblem {
  /** w: f32 [rows, k], one output channel per row. */
  readonly weight: Float32Array;
  readonly rows: number;
  readonly k: number;
  /** Row scales f32 [rows] (the grid is fixed: AdaRound learns rounding, not scales). */
  readonly scale: Float32Array;
  readonly qmin: number;
  readonly qmax: number;
  /** Input groups (a grouped conv's); rows split evenly between them in order. */
  readonly groups: number;
  /** E[x_q x_q^T], E[x_f x_q^T], E[x_f x_f^T]: f32 [groups, k, k] each. */
  readonly hqq: Float32Array;
  readonly hfq: Float32Array;
  readonly hff: Float32Array;
}

/** AdaRound's settings (defaults: the paper's, with fewer iterations and a larger rate). */
export interface AdaroundOptions {
  /** Adam steps (default 500; the paper runs 10k-20k). */
  readonly iterations?: number;
  /** Regularizer weight lambda (default 0.01). */
  readonly lambda?: number;
  /** Adam's rate on V (default 0.01). */
  readonly lr?: number;
  /** The regularizer's beta, annealed linearly from the first to the second (default 20 -> 2). */
  readonly beta?: readonly [number, number];
  /** Fraction of iterations run without the regularizer first (default 0.2). */
  readonly warmup?: number;
}

/** Integer codes and the layer's relative output error E||W~x_q - Wx_f||^2 / E||Wx_f||^2. */
export interface AdaroundLayerResult {
  /** Codes i32 [rows, k] on the grid: the learned rounding, or nearest when that was better. */
  readonly codes: Int32Array;
  /** Relative error with round-to-nearest (half to even) codes, and with the returned codes. */
  readonly nearest: number;
  readonly error: number;
  /** Codes that differ from round-to-nearest. */
  readonly flipped: number;
  /** Whether the learned rounding beat nearest (else the nearest codes are returned). */
  readonly learned: boolean;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Relative output error of integer codes `q` [rows, k] (a float copy is made per call). */
export function layerError(p: AdaroundProblem, q: ArrayLike<number>): number {
  const wq = new Float32Array(p.rows * p.k);
  for (let i = 0; i < wq.length; i++) wq[i] = (q[i] as number) * p.scale[Math.floor(i / p.k)]!;
  const { value, reference } = errorTerms(p, wq);
  return reference === 0 ? 0 : value / reference;
}

/** E||wq x_q - w x_f||^2 and E||w x_f||^2 from the moments. */
function errorTerms(p: AdaroundProblem, wq: Float32Array): { value: number; reference: number } {
  const { rows, k, groups } = p;
  const m = rows / groups;
  const a = new Float32Array(m * k);
  let value = 0;
  let reference = 0;
  for (let g = 0; g < groups; g++) {
    const at = { data: a, offset: 0 };
    const h = g * k * k;
    const rowsAt = g * m * k;
    // wq Hqq wq^T - 2 wq Hfq^T... computed row by row: (wq Hqq) . wq - 2 (w Hfq) . wq + (w Hff) . w
    gemm(
      false,
      false,
      m,
      k,
      k,
      { data: wq, offset: rowsAt },
      { data: p.hqq, offset: h },
      at,
      false,
    );
    for (let i = 0; i < m * k; i++) value += a[i]! * wq[rowsAt + i]!;
    gemm(
      false,
      false,
      m,
      k,
      k,
      { data: p.weight, offset: rowsAt },
      { data: p.hfq, offset: h },
      at,
      false,
    );
    for (let i = 0; i < m * k; i++) value -= 2 * a[i]! * wq[rowsAt + i]!;
    gemm(
      false,
      false,
      m,
      k,
      k,
      { data: p.weight, offset: rowsAt },
      { data: p.hff, offset: h },
      at,
      false,
    );
    for (let i = 0; i < m * k; i++) reference += a[i]! * p.weight[rowsAt + i]!;
  }
  return { value: Math.max(0, value + reference), reference };
}

/** Learns the rounding of `p`'s weights (AdaRound, eq. 21-25) and returns its codes. */
export function adaroundLayer(
  p: AdaroundProblem,
  options: AdaroundOptions = {},
): AdaroundLayerResult {
  const { rows, k, groups, qmin, qmax } = p;
  if (rows % groups !== 0 || p.weight.length !== rows * k || p.scale.length !== rows) {
    fail(
      'bad-shape',
      `AdaRound needs [rows, k] weights with one scale per row and rows divisible by groups`,
    );
  }
  const iterations = options.iterations ?? 500;
  const lambda = options.lambda ?? 0.01;
  const [betaStart, betaEnd] = options.beta ?? [20, 2];
  const warm = Math.floor(iterations * (options.warmup ?? 0.2));
  const n = rows * k;
  const base = new Float32Array(n);
  const nearest = new Int32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = p.weight[i]! / p.scale[Math.floor(i / k)]!;
    base[i] = Math.floor(x);
    nearest[i] = Math.min(qmax, Math.max(qmin, roundHalfEven(x)));
    // V such that h(V) is the fractional part: the learned rounding starts where w is.
    const s = Math.min(1 - 1e-4, Math.max(1e-4, (x - base[i]! - GAMMA) / (ZETA - GAMMA)));
    v[i] = Math.log(s / (1 - s));
  }
  const adam = new Adam(new Map([['v', { data: v, rate: 1 }]]));
  const m = rows / groups;
  const wq = new Float32Array(n);
  const grad = new Float32Array(n);
  const target = new Float32Array(n);
  for (let g = 0; g < groups; g++) {
    const at = g * m * k;
    gemm(
      false,
      false,
      m,
      k,
      k,
      { data: p.weight, offset: at },
      { data: p.hfq, offset: g * k * k },
      { data: target, offset: at },
      false,
    );
  }
  const h = new Float32Array(n);
  const dh = new Float32Array(n);
  for (let t = 0; t < iterations; t++) {
    for (let i = 0; i < n; i++) {
      const sig = 1 / (1 + Math.exp(-v[i]!));
      const raw = sig * (ZETA - GAMMA) + GAMMA;
      h[i] = raw < 0 ? 0 : raw > 1 ? 1 : raw;
      const q = base[i]! + h[i]!;
      const inside = raw > 0 && raw < 1 && q > qmin && q < qmax;
      dh[i] = inside ? sig * (1 - sig) * (ZETA - GAMMA) : 0;
      wq[i] = (q < qmin ? qmin : q > qmax ? qmax : q) * p.scale[Math.floor(i / k)]!;
    }
    // dL/dwq = 2 (wq Hqq - w Hfq), per group.
    for (let g = 0; g < groups; g++) {
      const at = g * m * k;
      gemm(
        false,
        false,
        m,
        k,
        k,
        { data: wq, offset: at },
        { data: p.hqq, offset: g * k * k },
        { data: grad, offset: at },
        false,
      );
    }
    const beta =
      t < warm
        ? 0
        : betaEnd + (betaStart - betaEnd) * (1 - (t - warm) / Math.max(1, iterations - warm));
    for (let i = 0; i < n; i++) {
      let d = 2 * (grad[i]! - target[i]!) * p.scale[Math.floor(i / k)]!;
      if (beta > 0) {
        // d/dh of lambda (1 - |2h - 1|^beta).
        const u = 2 * h[i]! - 1;
        d -= lambda * beta * Math.abs(u) ** (beta - 1) * Math.sign(u) * 2;
      }
      grad[i] = d * dh[i]!;
    }
    adam.step(new Map([['v', grad]]), options.lr ?? 0.01);
  }
  const codes = new Int32Array(n);
  let flipped = 0;
  for (let i = 0; i < n; i++) {
    const sig = 1 / (1 + Math.exp(-v[i]!));
    const up = sig * (ZETA - GAMMA) + GAMMA >= 0.5 ? 1 : 0;
    codes[i] = Math.min(qmax, Math.max(qmin, base[i]! + up));
    if (codes[i] !== nearest[i]) flipped++;
  }
  const nearestError = layerError(p, nearest);
  const error = layerError(p, codes);
  if (!(error < nearestError)) {
    return {
      codes: nearest,
      nearest: nearestError,
      error: nearestError,
      flipped: 0,
      learned: false,
    };
  }
  return { codes, nearest: nearestError, error, flipped, learned: true };
}

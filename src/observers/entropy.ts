// Entropy calibration: the clipping range whose quantized distribution loses the least
// information, by the KL-divergence threshold search published for TensorRT INT8 (Migacz,
// "8-bit Inference with TensorRT", GTC 2017). Symmetric ranges search |x| as published; the
// asymmetric variant searches both ends. Reads a snapshot; holds no state of its own.
import { quantRange, type QuantSpec } from '../core/index.js';
import { binInterval, foldAbs, isDegenerate } from './binned.js';
import type { HistogramSnapshot } from './histogram.js';
import type { TensorRange } from './observer.js';

/** The entropy-calibrated range of `s` for `spec`'s scheme and number of levels. */
export function entropyRange(s: HistogramSnapshot, spec: QuantSpec): TensorRange {
  if (isDegenerate(s)) return { min: s.min, max: s.max };
  const { qmin, qmax } = quantRange(spec);
  if (spec.scheme === 'symmetric') {
    // Levels on one side of zero, zero included: 128 for int8, as TensorRT uses.
    const t = symmetricThreshold(foldAbs(s), Math.floor((qmax - qmin) / 2) + 1);
    return { min: Math.max(s.min, -t), max: Math.min(s.max, t) };
  }
  return asymmetricWindow(s, qmax - qmin + 1);
}

/** Prefix tables of a histogram h: counts H, non-empty bins NZ and sum of h log h, HL. */
interface Tables {
  readonly h: Float64Array;
  readonly H: Float64Array;
  readonly NZ: Float64Array;
  readonly HL: Float64Array;
  readonly total: number;
}

const xlogx = (v: number): number => (v > 0 ? v * Math.log(v) : 0);

function tablesOf(h: Float64Array): Tables {
  const n = h.length;
  const H = new Float64Array(n + 1);
  const NZ = new Float64Array(n + 1);
  const HL = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) {
    H[j + 1] = H[j]! + h[j]!;
    NZ[j + 1] = NZ[j]! + (h[j]! > 0 ? 1 : 0);
    HL[j + 1] = HL[j]! + xlogx(h[j]!);
  }
  return { h, H, NZ, HL, total: H[n]! };
}

/**
 * KL(P || Q) for the window of bins [s, e) (Migacz 2017): P is the window with the mass
 * outside it folded into its edge bins; Q merges the window's own bins into `levels` groups
 * (the last group takes the remainder) and spreads each group evenly over the bins where P is
 * non-zero. O(levels) from prefix tables. Infinity when Q is zero where P is not.
 */
function divergence(t: Tables, s: number, e: number, levels: number): number {
  const { h, H, NZ, HL, total } = t;
  const below = H[s]!;
  const above = total - H[e]!;
  const n = e - s;
  const groups = Math.min(levels, n);
  const merged = Math.floor(n / groups);
  const first = h[s]!;
  const last = h[e - 1]!;
  let plogp = HL[e]! - HL[s]!;
  if (n === 1) plogp += xlogx(first + below + above) - xlogx(first);
  else plogp += xlogx(first + below) - xlogx(first) + xlogx(last + above) - xlogx(last);
  let plogq = 0;
  for (let g = 0; g < groups; g++) {
    const gs = s + g * merged;
    const ge = g === groups - 1 ? e : gs + merged;
    const raw = H[ge]! - H[gs]!;
    let nonzero = NZ[ge]! - NZ[gs]!;
    let mass = raw;
    if (gs === s) {
      mass += below;
      if (first === 0 && below > 0) nonzero++;
    }
    if (ge === e) {
      mass += above;
      if (last === 0 && above > 0 && !(n === 1 && below > 0)) nonzero++;
    }
    if (mass === 0) continue;
    if (!(raw > 0)) return Infinity;
    plogq += mass * Math.log(raw / nonzero);
  }
  return (plogp - plogq) / total + Math.log((H[e]! - H[s]!) / total);
}

/**
 * TensorRT's search on the |x| histogram: thresholds at bins levels..n, least KL wins. Where
 * |x| stays away from 0, thresholds start `levels` bins past its first value instead: the
 * published start assumes data reaching 0 (post-ReLU), and on |x| in [0.41, 0.5] a threshold
 * just past 0.41 folds everything into one bin, scores a KL near 0 and clips 99 % of the values.
 */
function symmetricThreshold(a: HistogramSnapshot, levels: number): number {
  const t = tablesOf(a.counts);
  let n = a.counts.length;
  while (n > 1 && a.counts[n - 1] === 0) n--;
  let first = 0;
  while (first < n && a.counts[first] === 0) first++;
  if (n <= first + levels) return a.max;
  let best = Infinity;
  let bestBins = n;
  for (let i = first + levels; i <= n; i++) {
    const d = divergence(t, 0, i, levels);
    if (d < best) {
      best = d;
      bestBins = i;
    }
  }
  return Math.min(a.max, bestBins * a.width);
}

/**
 * The asymmetric variant: windows [s, e) that contain zero's bin (or start at the data nearest
 * zero), each given the levels that the grid widened to include 0 leaves it. Exhaustive when
 * there are few pairs; else a 32 x 32 coarse grid, refined around the best pair, then one
 * sweep of each end. On 2048 bins this lands within about 2% of the exhaustive minimum KL
 * (which takes seconds) in a few milliseconds.
 */
function asymmetricWindow(s: HistogramSnapshot, levels: number): TensorRange {
  const counts = s.counts;
  let first = 0;
  while (counts[first] === 0) first++;
  let last = counts.length - 1;
  while (counts[last] === 0) last--;
  if (last + 1 - first <= levels) return { min: s.min, max: s.max };
  const t = tablesOf(counts);
  const zero = Math.floor(-s.lo / s.width);
  const sMax = Math.min(last, Math.max(first, zero));
  const eMin = Math.min(last + 1, Math.max(first + 1, zero + 1));
  // As TensorRT's symmetric search starts at `levels` bins, windows narrower than `levels` bins
  // are not candidates: folding all the mass into the edge bins of a tiny window scores a
  // near-zero KL (on one-sided data the search otherwise collapses onto the smallest values).
  const narrowest = Math.min(levels, last + 1 - first);
  const evaluate = (a: number, b: number): number => {
    if (b - a < narrowest) return Infinity;
    const lw = binInterval(s, a)[0];
    const hw = binInterval(s, b - 1)[1];
    const grid = Math.max(hw, 0) - Math.min(lw, 0);
    const fit = Math.max(1, Math.floor((levels * (hw - lw)) / grid));
    return b - a < fit ? Infinity : divergence(t, a, b, fit);
  };
  let best = { d: evaluate(first, last + 1), a: first, b: last + 1 };
  const scanPairs = (a0: number, a1: number, b0: number, b1: number, step: number): void => {
    for (const a of steps(Math.max(first, a0), Math.min(sMax, a1), step)) {
      for (const b of steps(Math.max(eMin, b0), Math.min(last + 1, b1), step)) {
        const d = evaluate(a, b);
        if (d < best.d) best = { d, a, b };
      }
    }
  };
  const pairs = (sMax - first + 1) * (last + 2 - eMin);
  let step = pairs <= 8192 ? 1 : Math.ceil(Math.max(sMax - first + 1, last + 2 - eMin) / 32);
  scanPairs(first, sMax, eMin, last + 1, step);
  while (step > 1) {
    const next = Math.max(1, Math.floor(step / 4));
    scanPairs(best.a - step, best.a + step, best.b - step, best.b + step, next);
    step = next;
  }
  // Polish: every lower end with the best upper end, then every upper end with the best lower.
  if (pairs > 8192) {
    scanPairs(first, sMax, best.b, best.b, 1);
    scanPairs(best.a, best.a, eMin, last + 1, 1);
  }
  return { min: binInterval(s, best.a)[0], max: binInterval(s, best.b - 1)[1] };
}

/** lo, lo + step, ... up to hi, always including hi. */
function steps(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let v = lo; v < hi; v += step) out.push(v);
  if (hi >= lo) out.push(hi);
  return out;
}

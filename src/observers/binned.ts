// Reading a histogram snapshot as a piecewise-uniform density: bins clamped to the exact min
// and max, quantiles, the |x| fold that symmetric searches use, and prefix sums of counts and
// moments for O(1) clipping costs. Shared by percentile.ts, entropy.ts and mse.ts; no searches.
import type { HistogramSnapshot } from './histogram.js';

/** The real interval bin j's values lie in: its edges clamped to [min, max]. */
export function binInterval(s: HistogramSnapshot, j: number): [number, number] {
  const l = Math.max(s.min, s.lo + j * s.width);
  const r = Math.min(s.max, s.lo + (j + 1) * s.width);
  return [l, Math.max(l, r)];
}

/** True when a search has nothing to choose: no values, or every value equal. */
export function isDegenerate(s: HistogramSnapshot): boolean {
  return s.total === 0 || s.width === 0 || s.min === s.max;
}

/** The value below which a fraction q of the mass lies, interpolating inside a bin. */
export function quantile(s: HistogramSnapshot, q: number): number {
  const target = Math.min(1, Math.max(0, q)) * sumOf(s.counts);
  let below = 0;
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c > 0 && below + c >= target) {
      const [l, r] = binInterval(s, j);
      return l + ((target - below) / c) * (r - l);
    }
    below += c;
  }
  return s.max;
}

/** Sum of an array. */
export function sumOf(a: Float64Array): number {
  let t = 0;
  for (const v of a) t += v;
  return t;
}

/** The count of values <= x, interpolating inside a bin, as a function of x. */
export function cumulative(s: HistogramSnapshot): (x: number) => number {
  const n = s.counts.length;
  const prefix = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) prefix[j + 1] = prefix[j]! + s.counts[j]!;
  return (x) => {
    if (x < s.min) return 0;
    if (x >= s.max) return prefix[n]!;
    const j = Math.min(n - 1, Math.max(0, Math.floor((x - s.lo) / s.width)));
    const [l, r] = binInterval(s, j);
    const inside = r > l ? Math.min(1, Math.max(0, (x - l) / (r - l))) : 1;
    return prefix[j]! + s.counts[j]! * inside;
  };
}

/** The t with a fraction q of the values in [-t, t], by bisection on the signed histogram. */
export function absQuantile(s: HistogramSnapshot, q: number): number {
  const below = cumulative(s);
  const target = Math.min(1, Math.max(0, q)) * below(Infinity);
  let lo = 0;
  let hi = Math.max(-s.min, s.max);
  for (let i = 0; i < 100 && hi - lo > 0; i++) {
    const t = (lo + hi) / 2;
    if (t === lo || t === hi) break;
    if (below(t) - below(-t) >= target) hi = t;
    else lo = t;
  }
  return hi;
}

/**
 * The histogram of |x|: bins of the same width anchored at 0, each signed bin's mass spread
 * uniformly over its folded interval (exact when 0 is a bin edge, as after ReLU).
 */
export function foldAbs(s: HistogramSnapshot): HistogramSnapshot {
  const absmax = Math.max(-s.min, s.max);
  const n = Math.max(1, Math.ceil(absmax / s.width));
  const counts = new Float64Array(n);
  const spread = (a: number, b: number, c: number): void => {
    if (!(b > a)) {
      counts[Math.min(n - 1, Math.floor(a / s.width))]! += c;
      return;
    }
    const pa = a / s.width;
    const pb = b / s.width;
    for (let k = Math.floor(pa); k < pb; k++) {
      const overlap = Math.min(pb, k + 1) - Math.max(pa, k);
      if (overlap > 0) counts[Math.min(n - 1, k)]! += (c * overlap) / (pb - pa);
    }
  };
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c === 0) continue;
    const [l, r] = binInterval(s, j);
    if (l >= 0) spread(l, r, c);
    else if (r <= 0) spread(-r, -l, c);
    else {
      spread(0, -l, (c * -l) / (r - l));
      spread(0, r, (c * r) / (r - l));
    }
  }
  return { lo: 0, width: s.width, counts, min: 0, max: absmax, total: s.total };
}

/**
 * Prefix sums over bins: count[k], sum[k] (of c m) and square[k] (of c (m^2 + w^2 / 12))
 * over bins j < k, with m and w the mean and width of bin j's clamped interval. The squared
 * distance of bins [i, k) to a point p is then p^2 count - 2 p sum + square, in O(1).
 */
export interface Moments {
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly square: Float64Array;
}

/** Prefix moments of `s` (arrays of length bins + 1). */
export function momentsOf(s: HistogramSnapshot): Moments {
  const n = s.counts.length;
  const count = new Float64Array(n + 1);
  const sum = new Float64Array(n + 1);
  const square = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) {
    const c = s.counts[j]!;
    const [l, r] = binInterval(s, j);
    const m = (l + r) / 2;
    const w = r - l;
    count[j + 1] = count[j]! + c;
    sum[j + 1] = sum[j]! + c * m;
    square[j + 1] = square[j]! + c * (m * m + (w * w) / 12);
  }
  return { count, sum, square };
}

/** Sum of (x - p)^2 over the values in bins [i, k), from prefix moments. */
export function squaredDistance(m: Moments, i: number, k: number, p: number): number {
  const c = m.count[k]! - m.count[i]!;
  const s = m.sum[k]! - m.sum[i]!;
  const q = m.square[k]! - m.square[i]!;
  return Math.max(0, p * p * c - 2 * p * s + q);
}

// The shape of a tensor's distribution, as the advisor's rules and the report read it: range,
// moments, the share below zero and how far the extreme value sits beyond the bulk. Exact for
// weights (every value at hand); for activations, read from the calibration histogram with each
// bin taken as uniform over its interval. Not quantization error (observers/histogram-error.ts).
import type { HistogramSnapshot } from '../observers/index.js';
import { absQuantile, binInterval, cumulative } from '../observers/binned.js';

/** Distribution statistics of one tensor (finite values only). */
export interface TensorStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Third standardized moment; 0 for a symmetric distribution (and for constant data). */
  readonly skewness: number;
  /** Fourth standardized moment (not excess): 3 for a Gaussian, 1.8 for a uniform. */
  readonly kurtosis: number;
  /** Fraction of values below zero. */
  readonly negativeFraction: number;
  /** max |x| over the 99.9th percentile of |x|: 1 means no outliers; large means a long tail. */
  readonly outlierRatio: number;
}

function standardized(m2: number, m3: number, m4: number): { skewness: number; kurtosis: number } {
  if (!(m2 > 0)) return { skewness: 0, kurtosis: 0 };
  return { skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** Statistics of x (f32), exact; NaN and infinities are skipped. */
export function statsOfValues(x: Float32Array): TensorStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let negative = 0;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < 0) negative++;
  }
  if (n === 0) return emptyStats();
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  const abs = new Float32Array(n);
  let k = 0;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    const d = v - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    abs[k++] = Math.abs(v);
  }
  abs.sort();
  const p999 = abs[Math.min(n - 1, Math.floor(0.999 * (n - 1)))]!;
  const absmax = abs[n - 1]!;
  return {
    count: n,
    min,
    max,
    mean,
    std: Math.sqrt(m2 / n),
    ...standardized(m2 / n, m3 / n, m4 / n),
    negativeFraction: negative / n,
    outlierRatio: p999 > 0 ? absmax / p999 : 1,
  };
}

/** Mean of (x - c)^k over the uniform interval [l, r] (a point mass when l == r). */
function centralPower(l: number, r: number, c: number, k: number): number {
  if (r <= l) return (l - c) ** k;
  return ((r - c) ** (k + 1) - (l - c) ** (k + 1)) / ((k + 1) * (r - l));
}

/** Statistics of the values a histogram holds, each bin read as uniform over its interval. */
export function statsOfHistogram(s: HistogramSnapshot): TensorStats {
  if (s.total === 0) return emptyStats();
  if (s.width === 0 || s.min === s.max) {
    const v = s.min;
    return {
      count: s.total,
      min: v,
      max: v,
      mean: v,
      std: 0,
      skewness: 0,
      kurtosis: 0,
      negativeFraction: v < 0 ? 1 : 0,
      outlierRatio: 1,
    };
  }
  let total = 0;
  let sum = 0;
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c === 0) continue;
    const [l, r] = binInterval(s, j);
    total += c;
    sum += (c * (l + r)) / 2;
  }
  const mean = sum / total;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c === 0) continue;
    const [l, r] = binInterval(s, j);
    m2 += c * centralPower(l, r, mean, 2);
    m3 += c * centralPower(l, r, mean, 3);
    m4 += c * centralPower(l, r, mean, 4);
  }
  const negative = s.min >= 0 ? 0 : s.max < 0 ? total : cumulative(s)(0);
  const p999 = absQuantile(s, 0.999);
  const absmax = Math.max(-s.min, s.max);
  return {
    count: s.total,
    min: s.min,
    max: s.max,
    mean,
    std: Math.sqrt(m2 / total),
    ...standardized(m2 / total, m3 / total, m4 / total),
    negativeFraction: negative / total,
    outlierRatio: p999 > 0 ? absmax / p999 : 1,
  };
}

function emptyStats(): TensorStats {
  return {
    count: 0,
    min: 0,
    max: 0,
    mean: 0,
    std: 0,
    skewness: 0,
    kurtosis: 0,
    negativeFraction: 0,
    outlierRatio: 1,
  };
}

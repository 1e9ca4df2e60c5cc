// MSE calibration: the clipping range that minimises the expected squared quantization error
// given the histogram. `exhaustive` (default) scores every pair of bin edges in O(1) each:
// values inside the grid cost step^2 / 12 (uniform rounding error), values outside cost their
// squared distance to the clip point. `torch` runs PyTorch HistogramObserver's own search.
import { fail, quantRange, type QuantSpec } from '../core/index.js';
import { binInterval, foldAbs, isDegenerate, momentsOf, squaredDistance } from './binned.js';
import type { HistogramSnapshot } from './histogram.js';
import type { TensorRange } from './observer.js';
import { torchParamSearch } from './torch-search.js';

/** Which MSE search to run. */
export type MseSearch = 'exhaustive' | 'torch';

/** Fails with `bad-argument` unless `search` names an MSE search. */
export function checkSearch(search: string): asserts search is MseSearch {
  if (search !== 'exhaustive' && search !== 'torch') {
    fail('bad-argument', `mse search must be "exhaustive" or "torch", got "${search}"`);
  }
}

/** The MSE-optimal range of `s` under `spec` (its scheme and integer grid). */
export function mseRange(
  s: HistogramSnapshot,
  spec: QuantSpec,
  search: MseSearch = 'exhaustive',
): TensorRange {
  if (isDegenerate(s)) return { min: s.min, max: s.max };
  if (search === 'torch') return torchParamSearch(s, spec.qtype);
  const { qmin, qmax } = quantRange(spec);
  const steps = qmax - qmin;
  if (spec.scheme === 'symmetric') {
    const t = symmetricClip(foldAbs(s), steps);
    return { min: Math.max(s.min, -t), max: Math.min(s.max, t) };
  }
  return asymmetricClip(s, steps);
}

/** Threshold t at an |x| bin edge minimising clip cost + inside * (2t / steps)^2 / 12. */
function symmetricClip(a: HistogramSnapshot, steps: number): number {
  const m = momentsOf(a);
  const n = a.counts.length;
  let best = Infinity;
  let bestT = a.max;
  for (let k = 1; k <= n; k++) {
    const t = Math.min(a.max, k * a.width);
    const step = (2 * t) / steps;
    const error = squaredDistance(m, k, n, t) + (m.count[k]! * step * step) / 12;
    if (error < best) {
      best = error;
      bestT = t;
    }
  }
  return bestT;
}

/**
 * Lower clip at an edge at or below zero, upper clip at an edge at or above it; the grid is
 * [min(a, 0), max(b, 0)] as chooseQParams widens it. Costs of each end are precomputed, so
 * the pair loop is a few flops per pair.
 */
function asymmetricClip(s: HistogramSnapshot, steps: number): TensorRange {
  const m = momentsOf(s);
  const n = s.counts.length;
  const edge = (k: number): number => (k === n ? s.max : binInterval(s, k)[0]);
  let zeroLo = 0;
  while (zeroLo < n && s.lo + (zeroLo + 1) * s.width <= 0) zeroLo++;
  let zeroHi = n;
  while (zeroHi > 0 && s.lo + (zeroHi - 1) * s.width >= 0) zeroHi--;
  const highs = n - zeroHi + 1;
  const hiValue = new Float64Array(highs);
  const hiCost = new Float64Array(highs);
  const hiCount = new Float64Array(highs);
  for (let i = 0; i < highs; i++) {
    const k = zeroHi + i;
    hiValue[i] = Math.max(0, edge(k));
    hiCost[i] = squaredDistance(m, k, n, edge(k));
    hiCount[i] = m.count[n]! - m.count[k]!;
  }
  const total = m.count[n]!;
  let best = { error: Infinity, min: s.min, max: s.max };
  for (let ka = 0; ka <= zeroLo; ka++) {
    const a = edge(ka);
    const lo = Math.min(0, a);
    const loCost = squaredDistance(m, 0, ka, a);
    const loCount = m.count[ka]!;
    for (let i = 0; i < highs; i++) {
      const step = (hiValue[i]! - lo) / steps;
      const error = loCost + hiCost[i]! + ((total - loCount - hiCount[i]!) * step * step) / 12;
      if (error < best.error) best = { error, min: a, max: edge(zeroHi + i) };
    }
  }
  return { min: best.min, max: best.max };
}

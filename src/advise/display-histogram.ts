// A histogram small enough to draw and to keep in a JSON report: a calibration histogram's
// 2048 bins (or a weight's values) re-binned onto a fixed number of equal bins over [min, max],
// each source bin's mass spread uniformly over its interval. Not the statistics (tensor-stats).
import type { HistogramSnapshot } from '../observers/index.js';
import { binInterval } from '../observers/binned.js';

/** Equal bins over [lo, hi]: bin j covers [lo + j w, lo + (j + 1) w], w = (hi - lo) / bins. */
export interface DisplayHistogram {
  readonly lo: number;
  readonly hi: number;
  readonly counts: readonly number[];
}

/** Bins a display histogram has by default. */
export const DISPLAY_BINS = 120;

function spread(counts: number[], lo: number, width: number, l: number, r: number, c: number) {
  const n = counts.length;
  if (width === 0) {
    counts[0]! += c;
    return;
  }
  const pa = (l - lo) / width;
  const pb = (r - lo) / width;
  if (!(pb > pa)) {
    counts[Math.min(n - 1, Math.max(0, Math.floor(pa)))]! += c;
    return;
  }
  for (let k = Math.max(0, Math.floor(pa)); k < Math.min(n, Math.ceil(pb)); k++) {
    const overlap = Math.min(pb, k + 1) - Math.max(pa, k);
    if (overlap > 0) counts[k]! += (c * overlap) / (pb - pa);
  }
}

/** The snapshot's mass on `bins` equal bins over its exact [min, max]. */
export function displayFromSnapshot(s: HistogramSnapshot, bins = DISPLAY_BINS): DisplayHistogram {
  const counts = new Array<number>(bins).fill(0);
  if (s.total === 0) return { lo: 0, hi: 0, counts };
  if (s.width === 0 || s.min === s.max) {
    counts[0] = s.total;
    return { lo: s.min, hi: s.max, counts };
  }
  const width = (s.max - s.min) / bins;
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c === 0) continue;
    const [l, r] = binInterval(s, j);
    spread(counts, s.min, width, l, r, c);
  }
  return { lo: s.min, hi: s.max, counts: counts.map((c) => Math.round(c * 100) / 100) };
}

/** The finite values of x (f32) on `bins` equal bins over their [min, max]. */
export function displayFromValues(x: Float32Array, bins = DISPLAY_BINS): DisplayHistogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (lo === Infinity) return { lo: 0, hi: 0, counts };
  const width = (hi - lo) / bins;
  for (const v of x) {
    if (!Number.isFinite(v)) continue;
    const k = width === 0 ? 0 : Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[k]!++;
  }
  return { lo, hi, counts };
}

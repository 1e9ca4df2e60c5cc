// The error of quantizing the values a calibration histogram holds, without the values: each
// bin is read as uniform over its interval and the squared error is integrated exactly, piece
// by piece between rounding boundaries, so bins wider than a quantization step (a clipped grid
// over a long tail) are handled as well as narrow ones. Same metrics and definitions as core's
// quantMetrics; cosine and max error are not estimated. Not the choice of a range.
import { QTYPES, type QType } from '../core/index.js';
import { binInterval } from './binned.js';
import type { HistogramSnapshot } from './histogram.js';

/** One per-tensor quantizer: what QuantizeLinear then DequantizeLinear compute. */
export interface Quantizer {
  readonly qtype: QType;
  readonly scale: number;
  readonly zeroPoint: number;
  /** The levels the scale was chosen for (narrowed symmetric grids have one level fewer). */
  readonly grid: { readonly qmin: number; readonly qmax: number };
}

/** Expected error metrics (core's QuantMetrics fields that a histogram determines). */
export interface ExpectedError {
  readonly mse: number;
  readonly sqnrDb: number;
  readonly clippedFraction: number;
  readonly gridUsed: number;
}

/** The integer level x quantizes to: saturate(rint(x / scale) + zp) to the qtype's range. */
function levelOf(x: number, q: Quantizer, qmin: number, qmax: number): number {
  const v = Math.round(Math.fround(x / q.scale)) + q.zeroPoint;
  return Math.min(qmax, Math.max(qmin, v));
}

/** Integral of (x - v)^2 over [a, b]. */
function squaredIntegral(a: number, b: number, v: number): number {
  return ((b - v) ** 3 - (a - v) ** 3) / 3;
}

/** Error of quantizing the values of `s` with `q`, each bin read as uniform. */
export function histogramError(s: HistogramSnapshot, q: Quantizer): ExpectedError {
  const { qmin, qmax } = QTYPES[q.qtype];
  const { scale, zeroPoint } = q;
  let total = 0;
  let signal = 0;
  let noise = 0;
  let clipped = 0;
  // Values beyond these saturate with an error of more than half a step.
  const clipLow = (qmin - zeroPoint - 0.5) * scale;
  const clipHigh = (qmax - zeroPoint + 0.5) * scale;
  // Level k holds [(k - zp - 0.5) scale, (k - zp + 0.5) scale), the end levels all beyond.
  const addBin = (l: number, r: number, density: number): void => {
    const first = levelOf(l, q, qmin, qmax);
    const last = levelOf(r, q, qmin, qmax);
    for (let k = first; k <= last; k++) {
      const a = k === first ? l : (k - zeroPoint - 0.5) * scale;
      const b = k === last ? r : (k - zeroPoint + 0.5) * scale;
      if (b > a) noise += density * squaredIntegral(a, b, Math.fround((k - zeroPoint) * scale));
    }
  };
  for (let j = 0; j < s.counts.length; j++) {
    const c = s.counts[j]!;
    if (c === 0) continue;
    const [l, r] = binInterval(s, j);
    total += c;
    if (r <= l) {
      const v = Math.fround((levelOf(l, q, qmin, qmax) - zeroPoint) * scale);
      noise += c * (l - v) ** 2;
      signal += c * l * l;
      if (l < clipLow || l > clipHigh) clipped += c;
      continue;
    }
    const density = c / (r - l);
    signal += density * ((r * r * r - l * l * l) / 3);
    addBin(l, r, density);
    clipped +=
      density * (Math.max(0, Math.min(r, clipLow) - l) + Math.max(0, r - Math.max(l, clipHigh)));
  }
  if (s.width === 0 && total === 0 && s.total > 0) {
    // A point mass (every value equal): the snapshot holds no bins.
    const v = Math.fround((levelOf(s.min, q, qmin, qmax) - zeroPoint) * scale);
    total = s.total;
    noise = total * (s.min - v) ** 2;
    signal = total * s.min * s.min;
    clipped = s.min < clipLow || s.min > clipHigh ? total : 0;
  }
  const levels = q.grid.qmax - q.grid.qmin + 1;
  const used = levelOf(s.max, q, qmin, qmax) - levelOf(s.min, q, qmin, qmax) + 1;
  return {
    mse: total === 0 ? 0 : noise / total,
    sqnrDb: noise <= 0 ? Infinity : 10 * Math.log10(signal / noise),
    clippedFraction: total === 0 ? 0 : Math.min(1, clipped / total),
    gridUsed: total === 0 ? 0 : Math.min(1, used / levels),
  };
}

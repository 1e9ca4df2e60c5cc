// PyTorch HistogramObserver's range search (_non_linear_param_search and
// _compute_quantization_error, torch/ao/quantization/observer.py, from caffe2's
// NormMinimization::NonlinearQuantizationParamsSearch): a greedy walk that moves whichever end
// of the range passes fewer quantile steps of 1e-5 and stops at the first rise of the L2 error.
// Reproduced to its float32 comparisons and results; on one batch it returns PyTorch's range.
import { QTYPES, type QType } from '../core/index.js';
import type { HistogramSnapshot } from './histogram.js';
import type { TensorRange } from './observer.js';

/** PyTorch's search over `s`, with 2^bits destination bins for `qtype` (256 for 8-bit). */
export function torchParamSearch(s: HistogramSnapshot, qtype: QType): TensorRange {
  const counts = s.counts;
  const bins = counts.length;
  const dstBins = 2 ** QTYPES[qtype].bits;
  // torch.cumsum and torch.sum of the float32 histogram; comparisons with Python floats
  // happen in float32 (the scalar is rounded), as tensor-vs-scalar comparisons do.
  const cSum = new Float64Array(bins);
  let running = 0;
  for (let j = 0; j < bins; j++) cSum[j] = running = Math.fround(running + counts[j]!);
  const total = running;
  const stepsize = 1e-5;
  let alpha = 0;
  let beta = 1;
  let startBin = 0;
  let endBin = bins - 1;
  let normMin = Infinity;
  while (alpha < beta) {
    const nextAlpha = alpha + stepsize;
    const nextBeta = beta - stepsize;
    const lowTarget = Math.fround(nextAlpha * total);
    const highTarget = Math.fround(nextBeta * total);
    let l = startBin;
    let r = endBin;
    while (l < endBin && cSum[l]! < lowTarget) l++;
    while (r > startBin && cSum[r]! > highTarget) r--;
    let nextStart = startBin;
    let nextEnd = endBin;
    if (l - startBin > endBin - r) {
      nextStart = l;
      alpha = nextAlpha;
    } else {
      nextEnd = r;
      beta = nextBeta;
    }
    if (nextStart === startBin && nextEnd === endBin) continue;
    const norm = quantizationError(counts, s.width, nextStart, nextEnd, dstBins);
    if (norm > normMin) break;
    normMin = norm;
    startBin = nextStart;
    endBin = nextEnd;
  }
  // new_min = min_val + bin_width * start_bin, in float32 tensors.
  const lo = Math.fround(s.lo);
  const hi = Math.fround(s.lo + bins * s.width);
  const binWidth = Math.fround(Math.fround(hi - lo) / bins);
  const min = Math.fround(lo + Math.fround(binWidth * startBin));
  const max = Math.fround(lo + Math.fround(binWidth * (endBin + 1)));
  return { min: Math.max(s.min, min), max: Math.min(s.max, max) };
}

/**
 * L2 error of quantizing the histogram to `dstBins` levels over bins [start, end]: each source
 * bin's uniform density integrated against the centre of the destination bins it spans, the
 * clamped outer ones taking the clipping error. The middle term is negative when a source bin
 * lies inside one destination bin, which cancels the double count of the two end terms.
 */
function quantizationError(
  counts: Float64Array,
  binWidth: number,
  start: number,
  end: number,
  dstBins: number,
): number {
  const dstWidth = (binWidth * (end - start + 1)) / dstBins;
  if (dstWidth === 0) return 0;
  const half = dstWidth / 2;
  const cube = half * half * half;
  // _get_norm(begin, end, density) = density * (end^3 - begin^3) / 3
  const full = (cube + cube) / 3;
  let norm = 0;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j]!;
    if (c === 0) continue;
    const density = c / binWidth;
    const begin = (j - start) * binWidth;
    const stop = begin + binWidth;
    const dstBegin = Math.min(dstBins - 1, Math.max(0, Math.floor(begin / dstWidth)));
    const dstEnd = Math.min(dstBins - 1, Math.max(0, Math.floor(stop / dstWidth)));
    const d0 = begin - (dstBegin + 0.5) * dstWidth;
    const d1 = stop - (dstEnd * dstWidth + half);
    norm += density * ((cube - d0 * d0 * d0) / 3);
    norm += (dstEnd - dstBegin - 1) * (density * full);
    norm += density * ((d1 * d1 * d1 + cube) / 3);
  }
  return norm;
}

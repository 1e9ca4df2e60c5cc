// Choosing scale and zero point from a real range, for both schemes, with the degenerate
// cases made safe. Not observers: they decide the range; this only maps a range to params.
import { fail } from './errors.js';
import { QTYPES, type QType } from './qtypes.js';
import { roundHalfEven } from './rounding.js';

/** `symmetric`: zero point at the grid's centre; `asymmetric`: affine, range widened to 0. */
export type Scheme = 'symmetric' | 'asymmetric';

/** How to quantize: the qtype, the scheme and the options that shape the integer grid. */
export interface QuantSpec {
  readonly qtype: QType;
  readonly scheme: Scheme;
  /**
   * Symmetric only. `narrow` (default) keeps the grid symmetric, [-(2^(b-1)-1), 2^(b-1)-1]
   * around the zero point; `full` adds the one extra negative level.
   */
  readonly range?: 'narrow' | 'full';
  /** One bit less of range, as x86 kernels without VNNI need (int8 [-64, 63], uint8 [0, 127]). */
  readonly reduceRange?: boolean;
  /**
   * Reproduce PyTorch's observers: symmetric scale = absmax / ((qmax - qmin) / 2) over the
   * full range, and scale floored at float32 epsilon instead of the smallest normal.
   */
  readonly torchCompatible?: boolean;
}

/** Scale and zero point for one range. */
export interface ScaleZeroPoint {
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * The integer bounds a spec allows: the qtype's range, reduced and narrowed as asked.
 * Throws `bad-argument` for reduceRange on 2-bit types, which would leave no levels.
 */
export function quantRange(spec: QuantSpec): { qmin: number; qmax: number } {
  const info = QTYPES[spec.qtype];
  let qmin = info.qmin;
  let qmax = info.qmax;
  if (spec.reduceRange === true) {
    if (info.bits < 4) {
      fail('bad-argument', `reduceRange needs at least 4 bits; ${spec.qtype} has ${info.bits}`);
    }
    // PyTorch's convention: one bit less, keeping the signed grid's extra negative level.
    qmin = info.signed ? -(2 ** (info.bits - 2)) : 0;
    qmax = info.signed ? 2 ** (info.bits - 2) - 1 : 2 ** (info.bits - 1) - 1;
  }
  if (spec.scheme === 'symmetric' && spec.range !== 'full' && spec.torchCompatible !== true) {
    // Narrow: as many levels below the centre as above it.
    const centre = symmetricZeroPoint(qmin, qmax);
    const half = Math.min(qmax - centre, centre - qmin);
    qmin = centre - half;
    qmax = centre + half;
  }
  return { qmin, qmax };
}

/** The zero point of a symmetric grid: 0 for signed types, 2^(b-1) for unsigned ones. */
function symmetricZeroPoint(qmin: number, qmax: number): number {
  return qmin < 0 ? 0 : Math.floor((qmin + qmax + 1) / 2);
}

const FLOAT32_EPS = 2 ** -23;
const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * Scale and zero point for the real range [min, max] under `spec`.
 * Arithmetic is float32 step by step (as PyTorch and ONNX do), so results match bit for bit,
 * except where ONNX would overflow: a range wider than float32 (near +-3.4e38) is divided
 * before it is summed, and scales below the smallest normal float32 are floored.
 * A degenerate range (all zeros, or narrower than float32 can express) gets a finite positive
 * scale and a zero point that keeps real 0 exact; NaN or infinite bounds throw `bad-range`.
 */
export function chooseQParams(min: number, max: number, spec: QuantSpec): ScaleZeroPoint {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    fail('bad-range', `range [${min}, ${max}] is not finite; clean NaN/Inf from the data first`);
  }
  if (min > max) fail('bad-range', `range [${min}, ${max}] has min > max`);
  const { qmin, qmax } = quantRange(spec);
  const lo = Math.fround(Math.min(min, 0));
  const hi = Math.fround(Math.max(max, 0));
  const floor = spec.torchCompatible === true ? FLOAT32_EPS : FLOAT32_MIN_NORMAL;

  if (spec.scheme === 'symmetric') {
    const zeroPoint = symmetricZeroPoint(qmin, qmax);
    const absmax = Math.max(-lo, hi);
    const levels = spec.torchCompatible === true ? (qmax - qmin) / 2 : qmax - zeroPoint;
    const scale = Math.fround(absmax / levels);
    return { scale: safeScale(scale, absmax, floor), zeroPoint };
  }

  const levels = qmax - qmin;
  const width = Math.fround(hi - lo);
  // A width beyond float32 (ranges near +-3.4e38) is divided before it is summed.
  const exact = Number.isFinite(width)
    ? Math.fround(width / levels)
    : Math.fround(hi / levels - lo / levels);
  const scale = safeScale(exact, width, floor);
  const zeroPoint = qmin - roundHalfEven(Math.fround(lo / scale));
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zeroPoint)) };
}

/**
 * A range of width 0 gets scale 1 (any scale keeps 0 exact) and tiny scales are floored at the
 * smallest normal float32; PyTorch instead floors every scale at float32 epsilon.
 */
function safeScale(scale: number, width: number, floor: number): number {
  if (width === 0 && floor !== FLOAT32_EPS) return 1;
  return Math.max(scale, floor);
}

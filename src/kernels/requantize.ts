// Requantization of int32 accumulators to int8/uint8, two ways: (a) in float, bit for bit as the
// ONNX reference computes QLinearMatMul and QLinearConv (ties to even); (b) in fixed point with a
// Q31 multiplier and a shift, as TFLite does with gemmlowp's SaturatingRoundingDoublingHighMul
// (ties toward +inf) then RoundingDivideByPOT (ties away from zero). (b) rounds twice, so on and
// near ties it can differ from (a) by one step. Not per-channel loops: the kernels own those.
import { QTYPES, f16round, fail, roundHalfEven } from '../core/index.js';
import type { Int8Like, Int8QType, ScaleDtype } from './tensor.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// --- (a) float -------------------------------------------------------------------------------

/**
 * The multiplier a_scale * b_scale / y_scale rounded after each operation to the scales' dtype,
 * as numpy evaluates it in the ONNX reference (float16 ops compute in float32, then round).
 */
export function requantizeMultiplier(
  aScale: number,
  bScale: number,
  yScale: number,
  dtype: ScaleDtype = 'float32',
): number {
  const round = dtype === 'float16' ? f16round : Math.fround;
  return round(round(aScale * bScale) / yScale);
}

/**
 * One output value: saturate(rint(acc * multiplier + zero_point)). The reference multiplies the
 * int32 accumulator by a float32/float16 array, which numpy promotes to float64, adds the zero
 * point in float64, then rounds half to even and clips (ONNX QLinearMatMul/QLinearConv).
 */
export function requantizeValue(
  acc: number,
  multiplier: number,
  zeroPoint: number,
  qmin: number,
  qmax: number,
): number {
  const v = roundHalfEven(acc * multiplier + zeroPoint);
  return v < qmin ? qmin : v > qmax ? qmax : v;
}

/** acc: int32 [n], one multiplier and zero point -> y: int8|uint8 [n], the float path (a). */
export function requantizeFloat(
  acc: Int32Array,
  multiplier: number,
  zeroPoint: number,
  qtype: Int8QType,
): Int8Like {
  const { qmin, qmax } = QTYPES[qtype];
  const out = qtype === 'int8' ? new Int8Array(acc.length) : new Uint8Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    out[i] = requantizeValue(acc[i] as number, multiplier, zeroPoint, qmin, qmax);
  }
  return out;
}

// --- (b) fixed point (TFLite QuantizeMultiplier + MultiplyByQuantizedMultiplier) -------------

/** A real multiplier as multiplier * 2^(shift - 31), multiplier an int32 in [2^30, 2^31) or 0. */
export interface FixedPointMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * TFLite's QuantizeMultiplier: frexp splits real = q * 2^shift with q in [0.5, 1), then
 * multiplier = round(q * 2^31) with ties away from zero (std::round); a rounded 2^31 halves
 * and bumps the shift; a shift below -31 flushes to zero. real must lie in [0, 2^30).
 */
export function quantizeMultiplier(real: number): FixedPointMultiplier {
  if (!(real >= 0 && real < 2 ** 30)) {
    fail('bad-argument', `fixed-point multiplier must lie in [0, 2^30), got ${real}`);
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  // Math.log2 may be off by one near powers of two; settle q into [0.5, 1) exactly.
  while (q >= 1) [q, shift] = [q / 2, shift + 1];
  while (q < 0.5) [q, shift] = [q * 2, shift - 1];
  let multiplier = Math.round(q * 2 ** 31); // q > 0, so half up is half away from zero
  if (multiplier === 2 ** 31) [multiplier, shift] = [2 ** 30, shift + 1];
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier, shift };
}

/** Fails with `bad-argument` unless `x` is an int32 value. */
function checkInt32(x: number, name: string): void {
  if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) {
    fail('bad-argument', `${name} must be an int32, got ${x}`);
  }
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul (ARM VQRDMULH): round(a * b / 2^31) with ties
 * toward +inf, i.e. floor((a*b + 2^30) / 2^31); INT32_MIN * INT32_MIN saturates to INT32_MAX.
 * a*b needs 62 bits, so it is formed exactly from two products of at most 47 bits.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  checkInt32(a, 'a');
  checkInt32(b, 'b');
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bHi = Math.floor(b / 2 ** 16);
  const bLo = b - bHi * 2 ** 16; // [0, 2^16)
  const pHi = a * bHi; // a * b = pHi * 2^16 + pLo, both exact
  const pLo = a * bLo;
  const q = Math.floor(pHi / 2 ** 15); // pHi * 2^16 = q * 2^31 + r * 2^16
  const r = pHi - q * 2 ** 15;
  return q + Math.floor((r * 2 ** 16 + pLo + 2 ** 30) / 2 ** 31);
}

/**
 * gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero
 * ((x >> e) + (remainder > (mask >> 1) + (x < 0) ? 1 : 0)); exponent in [0, 31].
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  checkInt32(x, 'x');
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 31) {
    fail('bad-argument', `exponent must be an integer in [0, 31], got ${exponent}`);
  }
  const p = 2 ** exponent;
  const shifted = Math.floor(x / p); // arithmetic shift right
  const remainder = x - shifted * p; // x & mask
  const threshold = Math.floor((p - 1) / 2) + (x < 0 ? 1 : 0);
  return shifted + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite MultiplyByQuantizedMultiplier (the default double-rounding build): x * 2^max(shift, 0)
 * through SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT by max(-shift, 0).
 * TFLite's left shift overflows int32 silently; here it saturates, as gemmlowp's
 * SaturatingRoundingMultiplyByPOT does, which only ever matters for outputs that saturate anyway.
 */
export function multiplyByQuantizedMultiplier(
  x: number,
  multiplier: number,
  shift: number,
): number {
  checkInt32(x, 'x');
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const scaled = Math.min(INT32_MAX, Math.max(INT32_MIN, x * 2 ** left));
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(scaled, multiplier), right);
}

/** acc: int32 [n], a fixed-point multiplier and zero point -> y: int8|uint8 [n], path (b). */
export function requantizeFixedPoint(
  acc: Int32Array,
  fixed: FixedPointMultiplier,
  zeroPoint: number,
  qtype: Int8QType,
): Int8Like {
  const { qmin, qmax } = QTYPES[qtype];
  const out = qtype === 'int8' ? new Int8Array(acc.length) : new Uint8Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const v = multiplyByQuantizedMultiplier(acc[i] as number, fixed.multiplier, fixed.shift);
    out[i] = Math.min(qmax, Math.max(qmin, v + zeroPoint));
  }
  return out;
}

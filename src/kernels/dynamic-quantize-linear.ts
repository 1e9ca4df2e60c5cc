// ONNX DynamicQuantizeLinear (opset 11): float32 -> uint8 with a scale and zero point chosen
// from the data's own range, built on core's chooseQParams and quantize. Not other qtypes or
// per-axis ranges: the operator defines only per-tensor uint8.
import {
  chooseQParams,
  fail,
  quantize,
  roundHalfEven,
  type QParams,
  type QuantSpec,
  type ScaleZeroPoint,
} from '../core/index.js';
import { checkShape, type FloatTensor, type IntTensor } from './tensor.js';

const UINT8_ASYMMETRIC: QuantSpec = { qtype: 'uint8', scheme: 'asymmetric' };
const FLOAT32_MIN_NORMAL = 2 ** -126;

/** The outputs of DynamicQuantizeLinear. */
export interface DynamicQuantized {
  readonly y: IntTensor<Uint8Array>;
  readonly yScale: number;
  readonly yZeroPoint: number;
}

/**
 * Spec: y_scale = (max(0, max(x)) - min(0, min(x))) / 255 in float32, or 1 when that range is
 * empty (all zeros); y_zero_point = saturate(round(0 - min / y_scale)), ties to even.
 * chooseQParams computes exactly this for every range whose scale is a normal float32; it
 * floors subnormal scales and divides before subtracting when max - min overflows float32, where
 * the spec (and ONNX Runtime) keep a subnormal or infinite scale, so those take the formula here.
 */
function qparamsOf(min: number, max: number): ScaleZeroPoint {
  const lo = Math.fround(min);
  const hi = Math.fround(max);
  const scale = Math.fround(Math.fround(hi - lo) / 255);
  if (hi === lo || (scale >= FLOAT32_MIN_NORMAL && scale < Infinity)) {
    return chooseQParams(lo, hi, UINT8_ASYMMETRIC);
  }
  if (scale === 0) fail('bad-range', `range [${lo}, ${hi}] is too narrow for a float32 scale`);
  const zeroPoint = roundHalfEven(-Math.fround(lo / scale));
  return { scale, zeroPoint: Math.min(255, Math.max(0, zeroPoint)) };
}

/**
 * DynamicQuantizeLinear: x: f32 [shape] -> y: uint8 [shape], y_scale f32 scalar,
 * y_zero_point uint8 scalar. NaN or infinite inputs, which the spec leaves open, and ranges so
 * narrow that the scale underflows to 0, where the spec divides by zero, throw `bad-range`.
 */
export function dynamicQuantizeLinear(x: FloatTensor): DynamicQuantized {
  checkShape(x.data.length, x.shape, 'x');
  // Spec: the range [min(x), max(x)] is widened to include 0.
  let min = 0;
  let max = 0;
  for (const v of x.data) {
    if (!Number.isFinite(v))
      fail('bad-range', `x holds ${v}; DynamicQuantizeLinear needs finite x`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const { scale, zeroPoint } = qparamsOf(min, max);
  // Spec: y = saturate(round(x / y_scale) + y_zero_point), x / y_scale in float32.
  const params: QParams = {
    qtype: 'uint8',
    granularity: { kind: 'per-tensor' },
    scale: Float32Array.of(scale),
    zeroPoint: Int32Array.of(zeroPoint),
    grid: { qmin: 0, qmax: 255 },
  };
  const y = quantize(x.data, x.shape, params);
  if (!(y instanceof Uint8Array))
    return fail('bad-argument', 'uint8 quantize returned another type');
  return { y: { data: y, shape: x.shape }, yScale: scale, yZeroPoint: zeroPoint };
}

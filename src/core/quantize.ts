// QuantizeLinear and DequantizeLinear as ONNX defines them (opset 21+, integer types):
//   q = saturate(round_half_even(x / scale) + zero_point),  x' = (q - zero_point) * scale,
// with the division and product in float32. Not scale selection: see qparams.ts.
//
// Non-finite and signed-zero inputs (the spec leaves them open for integer outputs):
//   NaN -> the zero point (real 0); +Inf -> qmax; -Inf -> qmin; -0 -> the zero point.
// A grid chosen for a range within ~20% of float32 max can dequantize its edge level to +-Inf.
import { fail } from './errors.js';
import { forEachRun, layoutOf } from './granularity.js';
import { QTYPES, allocate, type StorageArray } from './qtypes.js';
import { ROUNDING_MAGIC } from './rounding.js';
import type { QParams } from './tensor-qparams.js';

// v + MAGIC - MAGIC rounds |v| < 2^51 half to even: rounding.ts's rule, inlined in hot loops.
const MAGIC = ROUNDING_MAGIC;

function checkLength(n: number, shape: readonly number[], params: QParams): void {
  const layout = layoutOf(shape, params.granularity);
  if (layout.outer * layout.length * layout.inner !== n) {
    fail('bad-shape', `tensor has ${n} values but shape [${shape.join(', ')}]`);
  }
  if (params.scale.length !== layout.groups || params.zeroPoint.length !== layout.groups) {
    fail('bad-shape', `expected ${layout.groups} scales and zero points for this granularity`);
  }
}

/**
 * Quantizes one run: out[i] = saturate(rint(fround(x[i] / scale)) + zp) for i in
 * [start, start + count). Clamping before rounding is exact because the bounds are integers.
 */
function quantizeRun(
  x: Float32Array,
  out: StorageArray,
  start: number,
  count: number,
  scale: number,
  zeroPoint: number,
  qmin: number,
  qmax: number,
): void {
  const lo = qmin - zeroPoint;
  const hi = qmax - zeroPoint;
  const end = start + count;
  for (let i = start; i < end; i++) {
    let v = Math.fround((x[i] as number) / scale);
    if (v > hi) v = hi;
    else if (v < lo) v = lo;
    else if (v !== v) v = 0;
    out[i] = v + MAGIC - MAGIC + zeroPoint;
  }
}

/** Fails unless `into`, when given, holds exactly n values. */
function checkInto(into: ArrayLike<number> | undefined, n: number): void {
  if (into !== undefined && into.length !== n) {
    fail('bad-shape', `output holds ${into.length} values, expected ${n}`);
  }
}

/**
 * x: f32 [shape] -> q: qtype [shape] (unpacked, one value per element), written into `into`
 * when given (the qtype's storage array of x's length), else into a new array.
 */
export function quantize(
  x: Float32Array,
  shape: readonly number[],
  params: QParams,
  into?: StorageArray,
): StorageArray {
  checkLength(x.length, shape, params);
  checkInto(into, x.length);
  const { qmin, qmax } = QTYPES[params.qtype];
  const out = into ?? allocate(params.qtype, x.length);
  const { scale, zeroPoint } = params;
  forEachRun(layoutOf(shape, params.granularity), params.granularity, (start, count, g, step) => {
    if (step === 0) {
      quantizeRun(x, out, start, count, scale[g] as number, zeroPoint[g] as number, qmin, qmax);
      return;
    }
    for (let j = 0; j < count; j++) {
      const group = g + j;
      quantizeRun(
        x,
        out,
        start + j,
        1,
        scale[group] as number,
        zeroPoint[group] as number,
        qmin,
        qmax,
      );
    }
  });
  return out;
}

/** Dequantizes one run: out[i] = fround((q[i] - zp) * scale) for i in [start, start + count). */
function dequantizeRun(
  q: ArrayLike<number>,
  out: Float32Array,
  start: number,
  count: number,
  scale: number,
  zeroPoint: number,
): void {
  const end = start + count;
  for (let i = start; i < end; i++) out[i] = ((q[i] as number) - zeroPoint) * scale;
}

/** q: integer [shape] -> x': f32 [shape], x' = fround((q - zero_point) * scale), into `into` if given. */
export function dequantize(
  q: ArrayLike<number>,
  shape: readonly number[],
  params: QParams,
  into?: Float32Array,
): Float32Array {
  checkLength(q.length, shape, params);
  checkInto(into, q.length);
  const out = into ?? new Float32Array(q.length);
  const { scale, zeroPoint } = params;
  forEachRun(layoutOf(shape, params.granularity), params.granularity, (start, count, g, step) => {
    for (let j = 0; j < (step === 0 ? 1 : count); j++) {
      const group = g + j;
      const n = step === 0 ? count : 1;
      dequantizeRun(q, out, start + j, n, scale[group] as number, zeroPoint[group] as number);
    }
  });
  return out;
}

/** Quantize then dequantize: the float values a quantized model actually computes with. */
export function fakeQuantize(
  x: Float32Array,
  shape: readonly number[],
  params: QParams,
  into?: Float32Array,
): Float32Array {
  return dequantize(quantize(x, shape, params), shape, params, into);
}

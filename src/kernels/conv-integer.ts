// ONNX ConvInteger (opset 10) in plain loops: int8/uint8 input and weights, zero points
// subtracted, int32 accumulators, any spatial rank. The oracle for faster conv paths; not
// im2col, not tiled. QLinearConv reuses its accumulation.
import { fail, sizeOf } from '../core/index.js';
import { convGeometry, convTaps, type ConvAttributes, type ConvGeometry } from './conv-geometry.js';
import {
  checkSameType,
  checkShape,
  int8QType,
  scalarOf,
  type Int8Like,
  type IntTensor,
} from './tensor.js';

/** One value per output channel (zero point or scale) from a scalar or [M]; 0s if absent. */
export function perChannel(
  t: { readonly data: ArrayLike<number>; readonly shape: readonly number[] } | undefined,
  channels: number,
  name: string,
): Float64Array {
  const out = new Float64Array(channels);
  if (t === undefined) return out;
  checkShape(t.data.length, t.shape, name);
  if (t.data.length === 1) return out.fill(t.data[0] as number);
  if (t.shape.length !== 1 || t.data.length !== channels) {
    fail('bad-shape', `${name} must be a scalar or [${channels}], got [${t.shape.join(', ')}]`, {
      tensor: name,
    });
  }
  for (let m = 0; m < channels; m++) out[m] = t.data[m] as number;
  return out;
}

/**
 * The int32 accumulators sum((x - x_zero_point) * (w - w_zero_point[m])) over each output
 * position's window, wrapped to int32. Padded taps read the x zero point and so add 0.
 */
export function convAccumulate(
  x: Int8Like,
  w: Int8Like,
  xZeroPoint: number,
  wZeroPoint: Float64Array,
  g: ConvGeometry,
): Int32Array {
  const taps = convTaps(g);
  const kSize = sizeOf(g.kernel);
  const inSize = sizeOf(g.inSpatial);
  const outSize = sizeOf(g.outSpatial);
  const groupChannels = g.channels / g.group;
  const groupOut = g.outChannels / g.group;
  const out = new Int32Array(g.batch * g.outChannels * outSize);
  for (let n = 0; n < g.batch; n++) {
    for (let m = 0; m < g.outChannels; m++) {
      const firstChannel = Math.floor(m / groupOut) * groupChannels;
      const zw = wZeroPoint[m] as number;
      const outBase = (n * g.outChannels + m) * outSize;
      for (let p = 0; p < outSize; p++) {
        let acc = 0;
        for (let c = 0; c < groupChannels; c++) {
          const xBase = (n * g.channels + firstChannel + c) * inSize;
          const wBase = (m * groupChannels + c) * kSize;
          for (let q = 0; q < kSize; q++) {
            const at = taps[p * kSize + q] as number;
            if (at < 0) continue; // padding: (x_zero_point - x_zero_point) * w = 0
            acc += ((x[xBase + at] as number) - xZeroPoint) * ((w[wBase + q] as number) - zw);
          }
        }
        // Spec: "accumulation may overflow if and only if in 32 bits": wrap as int32 does.
        out[outBase + p] = acc | 0;
      }
    }
  }
  return out;
}

/**
 * ConvInteger: x: int8|uint8 [N, C, D1, ...], w: int8|uint8 [M, C/group, k1, ...],
 * x_zero_point scalar, w_zero_point scalar | [M] -> y: int32 [N, M, O1, ...].
 */
export function convInteger(
  x: IntTensor<Int8Like>,
  w: IntTensor<Int8Like>,
  xZeroPoint?: IntTensor<Int8Like>,
  wZeroPoint?: IntTensor<Int8Like>,
  attributes: ConvAttributes = {},
): IntTensor<Int32Array> {
  checkShape(x.data.length, x.shape, 'x');
  checkShape(w.data.length, w.shape, 'w');
  int8QType(x.data, 'x');
  int8QType(w.data, 'w');
  const g = convGeometry(x.shape, w.shape, attributes);
  // Spec: x_zero_point is a scalar; w_zero_point a scalar or one per output channel [M].
  let zx = 0;
  if (xZeroPoint !== undefined) {
    checkSameType(x.data, xZeroPoint.data, 'x_zero_point');
    zx = scalarOf(xZeroPoint, 'x_zero_point');
  }
  if (wZeroPoint !== undefined) checkSameType(w.data, wZeroPoint.data, 'w_zero_point');
  const zw = perChannel(wZeroPoint, g.outChannels, 'w_zero_point');
  return { data: convAccumulate(x.data, w.data, zx, zw, g), shape: g.outShape };
}

// ONNX QLinearConv (opset 10) in plain loops: ConvInteger's accumulators plus an int32 bias,
// requantized in float per output channel, bit for bit as the ONNX reference does. Not the
// fixed-point path and not fast: this is the oracle.
import { QTYPES, fail, sizeOf } from '../core/index.js';
import { convGeometry, type ConvAttributes } from './conv-geometry.js';
import { convAccumulate, perChannel } from './conv-integer.js';
import { requantizeMultiplier, requantizeValue } from './requantize.js';
import {
  checkSameType,
  checkShape,
  int8QType,
  scalarOf,
  scaleDtypeOf,
  type Int8Like,
  type IntTensor,
  type ScaleTensor,
} from './tensor.js';

/**
 * QLinearConv: x: int8|uint8 [N, C, D1, ...], x_scale and x_zero_point scalars,
 * w: int8|uint8 [M, C/group, k1, ...], w_scale and w_zero_point scalar | [M], y_scale and
 * y_zero_point scalars, bias: int32 [M] -> y [N, M, O1, ...] of y_zero_point's type.
 */
export function qlinearConv(
  x: IntTensor<Int8Like>,
  xScale: ScaleTensor,
  xZeroPoint: IntTensor<Int8Like>,
  w: IntTensor<Int8Like>,
  wScale: ScaleTensor,
  wZeroPoint: IntTensor<Int8Like>,
  yScale: ScaleTensor,
  yZeroPoint: IntTensor<Int8Like>,
  bias?: IntTensor<Int32Array>,
  attributes: ConvAttributes = {},
): IntTensor<Int8Like> {
  checkShape(x.data.length, x.shape, 'x');
  checkShape(w.data.length, w.shape, 'w');
  int8QType(x.data, 'x');
  int8QType(w.data, 'w');
  checkSameType(x.data, xZeroPoint.data, 'x_zero_point');
  checkSameType(w.data, wZeroPoint.data, 'w_zero_point');
  const g = convGeometry(x.shape, w.shape, attributes);
  const M = g.outChannels;

  // Spec: x_scale, x_zero_point, y_scale, y_zero_point are scalars; w_scale and w_zero_point
  // are scalars or [M] (per output channel); the bias is int32 [M].
  const dtype = scaleDtypeOf(xScale, 'x_scale');
  if (scaleDtypeOf(wScale, 'w_scale') !== dtype || scaleDtypeOf(yScale, 'y_scale') !== dtype) {
    fail('bad-argument', 'x_scale, w_scale and y_scale must share one dtype');
  }
  const xs = scalarOf(xScale, 'x_scale');
  const zx = scalarOf(xZeroPoint, 'x_zero_point');
  const ws = perChannel(wScale, M, 'w_scale');
  const zw = perChannel(wZeroPoint, M, 'w_zero_point');
  const ys = scalarOf(yScale, 'y_scale');
  const zy = scalarOf(yZeroPoint, 'y_zero_point');
  const qtype = int8QType(yZeroPoint.data, 'y_zero_point');
  const { qmin, qmax } = QTYPES[qtype];
  let b: Int32Array | undefined;
  if (bias !== undefined) {
    if (!(bias.data instanceof Int32Array)) fail('bad-argument', 'bias must be int32');
    checkShape(bias.data.length, bias.shape, 'B');
    if (bias.shape.length !== 1 || bias.data.length !== M) {
      fail('bad-shape', `bias must be [${M}], got [${bias.shape.join(', ')}]`, { tensor: 'B' });
    }
    b = bias.data;
  }

  const acc = convAccumulate(x.data, w.data, zx, zw, g);
  const out = qtype === 'int8' ? new Int8Array(acc.length) : new Uint8Array(acc.length);
  const perMap = sizeOf(g.outSpatial);
  for (let n = 0; n < g.batch; n++) {
    for (let m = 0; m < M; m++) {
      // Reference: R = conv(x - x_zp, w - w_zp) + B in int32, then
      // y = round(clip(R * (x_scale * w_scale / y_scale) + y_zero_point)).
      const multiplier = requantizeMultiplier(xs, ws[m] as number, ys, dtype);
      const bm = b === undefined ? 0 : (b[m] as number);
      const base = (n * M + m) * perMap;
      for (let p = base; p < base + perMap; p++) {
        out[p] = requantizeValue(((acc[p] as number) + bm) | 0, multiplier, zy, qmin, qmax);
      }
    }
  }
  return { data: out, shape: g.outShape };
}

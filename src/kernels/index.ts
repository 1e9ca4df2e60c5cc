// kernels/: integer reference kernels for the ONNX quantized operators, in plain loops: the
// oracle every faster path is tested against. Imports core/ only; no I/O, no dependencies.
export type {
  FloatTensor,
  Int8Like,
  Int8QType,
  IntArray,
  IntTensor,
  ScaleDtype,
  ScaleTensor,
} from './tensor.js';
export { matMulInteger, matMulIntegerNaive } from './matmul-integer.js';
export { qlinearMatMul } from './qlinear-matmul.js';
export {
  convGeometry,
  type AutoPad,
  type ConvAttributes,
  type ConvGeometry,
} from './conv-geometry.js';
export { convInteger } from './conv-integer.js';
export { qlinearConv } from './qlinear-conv.js';
export {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  requantizeFixedPoint,
  requantizeFloat,
  requantizeMultiplier,
  requantizeValue,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
  type FixedPointMultiplier,
} from './requantize.js';
export { dynamicQuantizeLinear, type DynamicQuantized } from './dynamic-quantize-linear.js';

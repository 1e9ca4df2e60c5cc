// kernels/: integer reference kernels for the ONNX quantized operators, in plain loops: the
// oracle every faster path is tested against; and wasm/, the WebAssembly SIMD fast paths of
// core/'s and observers/' tensor loops. Imports core/ only; no I/O, no dependencies.
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
export { setWasmKernelsEnabled, simdSupported, wasmKernelsActive } from './wasm/instance.js';
export { dequantizeFast, fakeQuantizeFast, quantizeFast } from './wasm/quantize.js';
export { minmaxFast, type MinMaxGroups } from './wasm/minmax.js';
export { histogramAddFast, type BinGrid } from './wasm/histogram.js';
export { cachedChunkCases, memoryBoundPassWasm, type CachedChunkCase } from './wasm/baseline.js';
export { quantMetricsFast } from './wasm/metrics.js';
export { packFast, unpackFast } from './wasm/pack.js';
export { kernelArray, releaseKernelArray, type ResidentArray } from './wasm/resident.js';

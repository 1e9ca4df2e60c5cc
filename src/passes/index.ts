// passes/: graph rewrites from a float ONNX model to a QDQ model that onnxruntime fuses into
// integer kernels, one pass per file: Constant nodes to initializers, conv folds, the
// quantization plan and its application. Nothing here runs a model or touches the file system.
export * from './constants-to-initializers.js';
export * from './fold-batchnorm.js';
export * from './fold-conv-affine.js';
export * from './plan-types.js';
export * from './plan-quantization.js';
export * from './plan-summary.js';
export * from './insert-qdq.js';
export type { Fold } from './conv-affine.js';
export { toMatMulNBits } from './weight-only-matmulnbits.js';
export { toBlockedDequantize } from './weight-only-qdq.js';
export { findWeightTargets } from './weight-only-targets.js';
export { dynamicMatMul } from './dynamic-matmul.js';
export { dynamicConv } from './dynamic-conv.js';
export { quantizeConvWeights } from './dynamic-conv-weights.js';
export { dynamicGather } from './dynamic-gather.js';
export { readFloatInputs } from './read-float-inputs.js';
export * from './pad-depthwise.js';
export * from './integer-upsample.js';
export * from './integer-movement.js';
export * from './float-guard.js';
export * from './pad-input-channels.js';
export * from './conv-transpose-as-conv.js';
export * from './equalize.js';
export type { SmoothDecision } from './smooth-quant.js';

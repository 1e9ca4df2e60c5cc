// ptq/: post-training quantization recipes and the calibration that feeds them, run on
// onnxruntime through runtime/. No file system: cli/ reads data and caches and passes them in.
export * from './agreement-tally.js';
export * from './batches.js';
export * from './build-quantized.js';
export * from './calibrate.js';
export * from './calibration-cache.js';
export * from './calibration-result.js';
export * from './check-feeds.js';
export * from './expose-tensors.js';
export * from './model-inputs.js';
export * from './observe-host.js';
export * from './quantize-static.js';
export type { SmoothQuantOptions, SmoothReport } from './smooth-recipe.js';
export * from './quantize-dynamic.js';
export * from './quantize-weights.js';
export * from './output-ranges.js';

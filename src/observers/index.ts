// observers/: calibration statistics, mergeable and serializable, built on core/ only (no npm
// packages, no node: modules), so they run in a browser and split across workers alike.
// Not the calibration loop over a model: ptq/ drives these with onnxruntime outputs.
export * from './observer.js';
export * from './scan.js';
export * from './minmax.js';
export * from './ema.js';
export * from './histogram.js';
export * from './histogram-json.js';
export * from './percentile.js';
export * from './entropy.js';
export * from './mse.js';
export * from './torch-search.js';
export * from './histogram-observer.js';
export * from './histogram-error.js';
export * from './range-guard.js';
export * from './method-traits.js';
export * from './registry.js';

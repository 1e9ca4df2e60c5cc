// core/: dtypes, qparams, rounding, quantize/dequantize, error metrics. No dependencies, no
// I/O: runs in a browser and in Node alike. Everything else in zeropoint builds on this.
export * from './errors.js';
export * from './qtypes.js';
export * from './rounding.js';
export * from './float16.js';
export * from './qparams.js';
export * from './granularity.js';
export * from './tensor-qparams.js';
export * from './quantize.js';
export * from './pack.js';
export * from './metrics.js';
export * from './random.js';

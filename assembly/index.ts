// The WebAssembly kernel module's exports (compiled by scripts/build-wasm.mjs into
// src/kernels/wasm/kernels-wasm.generated.ts). Memory is laid out by the JS side from
// heapBase() up; nothing here allocates.
export { quantizeChunk } from './quantize';
export { minmaxChunk } from './scan';
export { histogramChunk, histogramFlush } from './histogram';
export { packChunk, unpackChunk } from './pack';

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
export { passChunk } from './baseline';
export { metricsChunk } from './metrics';
export { sgemm } from './gemm';
export { dwForward, dwBackwardData, dwBackwardWeight } from './depthwise';

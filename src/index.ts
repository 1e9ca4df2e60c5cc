// zeropoint's one public entry point: `import { quantize, chooseQParams, observers } from
// 'zeropoint'`. Re-exports the layers meant for users; nothing here touches the file system.
export * from './core/index.js';
export * as kernels from './kernels/index.js';
export * as observers from './observers/index.js';
export { createObserver, observerFromJSON, type Observer } from './observers/index.js';
export * as onnx from './onnx/index.js';

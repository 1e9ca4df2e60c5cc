// The runtime a caller gets without naming one, in a browser bundle: onnxruntime-web (wasm).
// Bundlers read this file for default-runtime.ts through package.json's "browser" field; Node,
// tsx and vitest never do. Not a registry: one re-export.
export { webRuntime as defaultRuntime } from './web-runtime.js';

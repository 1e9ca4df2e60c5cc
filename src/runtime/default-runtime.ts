// The runtime a caller gets without naming one: onnxruntime-node here. A bundle for the browser
// reads default-runtime.browser.ts instead (package.json's "browser" field maps this file to it),
// so no library code branches on the environment. Not a registry: one re-export.
export { nodeRuntime as defaultRuntime } from './node-runtime.js';

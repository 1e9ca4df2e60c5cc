// zeropoint's entry for browser bundles (package.json exports' `browser` condition): everything
// the main entry exports, whose default runtime is onnxruntime-web there, plus the web adapter
// itself. Nothing reachable from here imports a Node built-in, sharp or onnxruntime-node
// (test/browser-bundle.test.ts bundles it with esbuild to prove it).
export * from './index.js';
export { createWebRuntime, webRuntime, type WebRuntimeOptions } from './runtime/web-runtime.js';

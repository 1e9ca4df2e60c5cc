// Vite build of the browser studio: src/web/studio/ -> dist/studio, relative URLs (base './')
// so the folder can be hosted anywhere, the worker as an ES module. onnxruntime-web's wasm
// binary is an asset of the bundle (its `new URL(..., import.meta.url)`), so the page loads it
// from its own origin, never a CDN. Not the server (src/cli/studio/) nor the app (main.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../../dist/studio');

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  resolve: {
    // The wasm-only build of onnxruntime-web (no WebGPU/JSEP): one 14 MB binary instead of two.
    alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/wasm' }],
  },
  worker: { format: 'es' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
});

// Vite build of the browser studio: src/web/studio/ -> dist/studio, relative URLs (base './')
// so the folder can be hosted anywhere, the worker as an ES module, and onnxruntime-web's one
// wasm binary copied to ort/ so the page loads it from its own origin (never a CDN).
// Not the server (src/cli/studio/) and not the app (main.ts, worker.ts).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../../../dist/studio');

/** The wasm binary the `onnxruntime-web/wasm` build loads (SIMD, threads when isolated). */
export const ORT_WASM = 'ort-wasm-simd-threaded.wasm';

function copyOrtWasm(): Plugin {
  return {
    name: 'zeropoint-copy-ort-wasm',
    apply: 'build',
    writeBundle() {
      const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
      mkdirSync(join(outDir, 'ort'), { recursive: true });
      for (const file of [ORT_WASM, ORT_WASM.replace(/\.wasm$/, '.mjs')]) {
        copyFileSync(join(dist, file), join(outDir, 'ort', file));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  resolve: {
    alias: [{ find: /^onnxruntime-node$/, replacement: 'onnxruntime-web/wasm' }],
  },
  worker: { format: 'es' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  plugins: [copyOrtWasm()],
});

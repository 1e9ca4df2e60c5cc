// The browser entry bundles for the browser: esbuild (its JS API, platform browser, in memory)
// bundles src/index.browser.ts and every import it reaches; a Node built-in, sharp or
// onnxruntime-node among them fails the test, naming the importer. Prints the bundle's size with
// and without onnxruntime-web's wasm (the binary the bundle loads at run time, not inlined), for
// onnxruntime-web's default build and its wasm-only build (`onnxruntime-web/wasm`, the studio's).
import { statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const NODE_ONLY = /^(onnxruntime-node|sharp)(\/|$)/;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Records (and keeps out of the bundle) every import of a Node built-in or Node-only package. */
function forbidden(found: string[]): Plugin {
  return {
    name: 'forbidden-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path;
        if (BUILTINS.has(bare) || NODE_ONLY.test(bare)) {
          found.push(`${args.importer.replace(`${process.cwd()}/`, '')} -> ${bare}`);
          return { path: bare, external: true };
        }
        return undefined;
      });
    },
  };
}

async function bundle(entry: string, minify: boolean, wasmOnly = false) {
  const found: string[] = [];
  const result = await build({
    ...(wasmOnly ? { alias: { 'onnxruntime-web': 'onnxruntime-web/wasm' } } : {}),
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify,
    write: false,
    metafile: true,
    outdir: 'out-browser-bundle',
    logLevel: 'silent',
    plugins: [forbidden(found)],
  });
  return { found, result };
}

describe('the browser entry', () => {
  it('bundles for the browser without a Node built-in, sharp or onnxruntime-node', async () => {
    const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MiB`;
    for (const [wasmOnly, wasm] of [
      [false, 'ort-wasm-simd-threaded.jsep.wasm'],
      [true, 'ort-wasm-simd-threaded.wasm'],
    ] as const) {
      const { found, result } = await bundle('src/index.browser.ts', true, wasmOnly);
      expect(found).toEqual([]);
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((f) => f.includes('onnxruntime-web'))).toBe(true);
      expect(inputs).toContain('src/runtime/default-runtime.browser.ts');
      expect(inputs).not.toContain('src/runtime/node-runtime.ts');
      const js = result.outputFiles.reduce((n, f) => n + f.contents.length, 0);
      const gz = result.outputFiles.reduce((n, f) => n + gzipSync(f.contents).length, 0);
      expect(result.outputFiles.some((f) => f.text.includes(wasm))).toBe(true);
      const binary = statSync(`node_modules/onnxruntime-web/dist/${wasm}`).size;
      console.log(
        `browser bundle (esbuild, minified, onnxruntime-web${wasmOnly ? '/wasm' : ''}): ` +
          `${mb(js)} JS (${mb(gz)} gzipped) without the wasm; ${mb(js + binary)} with ${wasm} ` +
          `(${mb(binary)})`,
      );
    }
  });

  it('the check fails on an entry that reaches onnxruntime-node (the node adapter)', async () => {
    const { found } = await bundle('src/runtime/node-runtime.ts', false);
    expect(found).toContain('src/runtime/node-runtime.ts -> onnxruntime-node');
  });
});

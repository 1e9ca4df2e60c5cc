// The local HTTP server of the browser kernel benchmark: on 127.0.0.1 only, it serves the page,
// its module (kernel-page.ts, transpiled when running from source), onnxruntime-web's dist files
// from node_modules, and the kernel models and inputs held in memory. Nothing else is reachable
// and nothing is fetched from the internet. Not the browser driver (browser-kernels.ts).
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail } from '../core/errors.js';

/** A running server: its origin, and how to stop it. */
export interface KernelServer {
  readonly origin: string;
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  wasm: 'application/wasm',
  map: 'application/json',
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>zeropoint kernels</title>
<script type="importmap">{"imports":{"onnxruntime-web":"/ort/ort.wasm.min.mjs"}}</script>
<script type="module" src="/kernel-page.js"></script>
</head><body>zeropoint kernel benchmark</body></html>`;

/** The directory holding onnxruntime-web's dist files (wasm and ESM builds). */
export function ortWebDist(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('onnxruntime-web');
  } catch {
    fail('io', 'onnxruntime-web is not installed; npm install --save-dev onnxruntime-web');
  }
  return dirname(entry);
}

/** The page module as JavaScript: built beside this file, or transpiled from kernel-page.ts. */
async function pageModule(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  const built = here.replace(/kernel-server\.js$/, 'kernel-page.js');
  if (built !== here && existsSync(built)) return readFileSync(built, 'utf8');
  const ts = (await import('typescript')).default;
  const source = readFileSync(here.replace(/kernel-server\.ts$/, 'kernel-page.ts'), 'utf8');
  const options = { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 };
  return ts.transpileModule(source, { compilerOptions: options }).outputText;
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // cross-origin isolation: 5 us timers instead of 100 us
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });
  response.end(body);
}

/** Serves the page, onnxruntime-web and the given models and inputs (at /model/i, /input/i). */
export async function startKernelServer(
  models: readonly Uint8Array[],
  inputs: readonly Uint8Array[],
): Promise<KernelServer> {
  const dist = ortWebDist();
  const module = await pageModule();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const blob = /^\/(model|input)\/(\d+)$/.exec(path);
    const ortFile = /^\/ort\/([\w.-]+)$/.exec(path)?.[1];
    if (path === '/') return send(response, 200, TYPES.html!, PAGE);
    if (path === '/kernel-page.js') return send(response, 200, TYPES.js!, module);
    if (blob !== null) {
      const bytes = (blob[1] === 'model' ? models : inputs)[Number(blob[2])];
      if (bytes !== undefined) return send(response, 200, 'application/octet-stream', bytes);
    }
    if (ortFile !== undefined && existsSync(join(dist, ortFile))) {
      const type = TYPES[ortFile.split('.').pop() ?? ''] ?? 'application/octet-stream';
      return send(response, 200, type, readFileSync(join(dist, ortFile)));
    }
    send(response, 404, 'text/plain', `not found: ${path}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

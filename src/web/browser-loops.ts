// Runs the loop benchmark's cases (loop-cases.ts) in headless Chromium: bundles loops-page.ts
// with esbuild (a devDependency, loaded only here), serves it on 127.0.0.1, and reads the
// timings back through playwright-core against the system's Chromium. For `npm run bench --
// loops`; not part of the `zeropoint` command, and nothing is fetched from the internet.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { fail } from '../core/errors.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from './browser-kernels.js';
import type { LoopTimings } from './loop-cases.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>zeropoint loops</title>
<script type="module" src="/loops.js"></script></head><body>zeropoint loops</body></html>`;

async function bundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const entry = fileURLToPath(new URL('./loops-page.ts', import.meta.url));
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Times the loop cases on n values in headless Chromium (one page, one thread). */
export async function browserLoopTimings(
  n: number,
  rounds: number,
  executablePath = CHROMIUM_PATH,
): Promise<LoopTimings & { readonly browser: string }> {
  if (!chromiumAvailable(executablePath)) fail('io', `no browser at ${executablePath}`);
  const script = await bundle();
  const server = createServer((request, response) => {
    const js = request.url === '/loops.js';
    response.writeHead(js || request.url === '/' ? 200 : 404, {
      'content-type': js ? 'text/javascript' : 'text/html',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    response.end(js ? script : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('typeof globalThis.zeropointRunLoops === "function"', undefined, {
      timeout: 60_000,
    });
    page.setDefaultTimeout(600_000);
    const timings = await page.evaluate<LoopTimings>(
      `globalThis.zeropointRunLoops(${n}, ${rounds})`,
    );
    return { ...timings, browser: `Chromium ${browser.version()}` };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

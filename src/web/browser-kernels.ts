// Runs the kernel benchmark in headless Chromium with onnxruntime-web (WebAssembly, one thread),
// driven through playwright-core against the system's Chromium (never a downloaded browser):
// serves the catalogue's models locally, runs kernel-page.ts, and builds a hardware profile.
// For tests and `npm run bench -- kernels`; not part of the `zeropoint` command.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { fail } from '../core/errors.js';
import {
  buildKernelModel,
  fillValues,
  measuredProfile,
  roundOrder,
  type HardwareProfile,
  type KernelConfig,
} from '../hardware/index.js';
import type { PagePlan, PageResult } from './kernel-page.js';
import { startKernelServer } from './kernel-server.js';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Options of a browser run; the browser is `executablePath` (Debian's chromium by default). */
export interface BrowserRunOptions {
  readonly warmup: number;
  readonly rounds: number;
  readonly targetSeconds: number;
  readonly executablePath?: string;
  readonly timeoutMs?: number;
}

/** Flags that start Debian's chromium headless here, with no background network traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when the browser binary exists (the browser benchmark needs it). */
export function chromiumAvailable(path = CHROMIUM_PATH): boolean {
  return existsSync(path);
}

/** Measures the catalogue in onnxruntime-web inside headless Chromium and returns its profile. */
export async function browserKernelProfile(
  configs: readonly KernelConfig[],
  options: BrowserRunOptions,
): Promise<HardwareProfile> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!chromiumAvailable(executablePath)) {
    fail('io', `no browser at ${executablePath}; install it with apt-get install -y chromium`);
  }
  const models = configs.map(buildKernelModel);
  const inputs = models.map((m) => {
    const data = fillValues(
      m.input.type,
      m.input.dims.reduce((x, y) => x * y, 1),
      3,
    );
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  });
  const server = await startKernelServer(
    models.map((m) => m.bytes),
    inputs,
  );
  const browser = await chromium.launch({
    executablePath,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${server.origin}/`);
    await page
      .waitForFunction('typeof globalThis.zeropointRunKernels === "function"', undefined, {
        timeout: 60_000,
      })
      .catch(() =>
        fail(
          'io',
          `the benchmark page did not start: ${problems.join('; ') || 'no error reported'}`,
        ),
      );
    const plan: PagePlan = {
      kernels: configs.map((c, i) => ({
        id: c.id,
        model: `/model/${i}`,
        input: `/input/${i}`,
        inputName: models[i]!.input.name,
        inputType: models[i]!.input.type,
        dims: models[i]!.input.dims,
      })),
      warmup: options.warmup,
      orders: Array.from({ length: options.rounds }, (_, r) => roundOrder(configs.length, r)),
      targetSeconds: options.targetSeconds,
    };
    page.setDefaultTimeout(options.timeoutMs ?? 600_000);
    const result = await page.evaluate<PageResult>(
      `globalThis.zeropointRunKernels(${JSON.stringify(plan)})`,
    );
    const runtime = {
      name: 'onnxruntime-web',
      version: result.ortVersion,
      backend: 'wasm',
      threads: 1,
    };
    const machine = {
      platform: 'browser',
      arch: 'wasm32',
      cpu: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}; Chromium ${browser.version()}`,
      cores: result.cores,
      features: ['wasm-simd128'],
    };
    return measuredProfile(configs, result.timings, runtime, machine);
  } finally {
    await browser.close();
    await server.close();
  }
}

// Drives the browser studio in headless Chromium (playwright-core, Debian's chromium, never a
// downloaded browser): builds it with Vite into a temporary folder, serves it with the CLI's
// studio server, and offers the steps a user takes (open a model, give samples, profile,
// quantize, cancel, download), recording console errors and every request off the page's
// origin. For the end-to-end test and bench/studio.ts; not part of zeropoint.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStudioServer, type StudioServer } from '../../src/cli/studio/studio-server.js';
import { CHROMIUM_ARGS } from '../../src/web/browser-kernels.js';

/** A studio open in a browser, and what it did that a test must check. */
export interface OpenStudio {
  readonly page: Page;
  readonly origin: string;
  /** Console errors and uncaught page errors. */
  readonly problems: string[];
  /** Requests to anything but the page's origin (blob: and data: URLs are the page's own). */
  readonly external: string[];
  close(): Promise<void>;
}

/** Builds the studio from src/web/studio into a new temporary folder; returns the folder. */
export async function buildStudio(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'zeropoint-studio-build-'));
  const { build } = await import('vite');
  await build({
    configFile: join(import.meta.dirname, '../../src/web/studio/vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** Serves `root` and opens it in Chromium at `executablePath`; waits until the worker is ready. */
export async function openStudio(root: string, executablePath: string): Promise<OpenStudio> {
  const server: StudioServer = await startStudioServer({ root, port: 0 });
  const browser: Browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const origin = new URL(server.url).origin;
  const problems: string[] = [];
  const external: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) {
      external.push(url);
    }
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  return {
    page,
    origin,
    problems,
    external,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens `model` with the file picker and waits for its facts. */
export async function openModel(page: Page, model: string): Promise<void> {
  await page.setInputFiles('[data-testid=model-input]', model);
  await page.waitForSelector('[data-testid=model-facts]');
}

/** Gives `files` as calibration samples with the file picker. */
export async function giveSamples(page: Page, files: readonly string[]): Promise<void> {
  await page.setInputFiles('[data-testid=samples-input]', [...files]);
  await page.waitForSelector('[data-testid=samples-summary]');
}

/** Clicks Quantize and waits for the result; returns the worker's timings in ms. */
export async function quantize(page: Page): Promise<{ calibrate: number; total: number }> {
  await page.click('[data-testid=quantize]');
  const result = await page.waitForSelector('[data-testid=result], [data-testid=error]', {
    timeout: 600_000,
  });
  if ((await result.getAttribute('data-testid')) === 'error')
    throw new Error(`studio: ${await result.textContent()}`);
  return {
    calibrate: Number(await result.getAttribute('data-calibrate-ms')),
    total: Number(await result.getAttribute('data-total-ms')),
  };
}

/** Clicks Profile and waits for the profile view; returns the page's message on failure. */
export async function profile(page: Page): Promise<void> {
  await page.click('[data-testid=profile]');
  const done = await page.waitForSelector('[data-testid=profile-view], [data-testid=error]', {
    timeout: 600_000,
  });
  if ((await done.getAttribute('data-testid')) === 'error')
    throw new Error(`studio: ${await done.textContent()}`);
}

/** Clicks the download button `testid` and returns the file's bytes. */
export async function downloadBytes(
  page: Page,
  testid: string,
): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`[data-testid=${testid}]`),
  ]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

/** Removes a folder buildStudio made. */
export function removeBuild(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

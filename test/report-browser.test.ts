// The profile report in headless Chromium (Debian's, through playwright-core): it opens from a
// file with the network cut off, every chart renders as a non-empty SVG, nothing is logged as
// an error, and screenshots go to out/report-browser/ (report.png, the first screen, and
// report-full.png) for a person to look at.
// Skipped, saying so, only when the browser is missing (ZEROPOINT_CHROMIUM overrides the path).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runProfileRecipe } from '../src/advise/index.js';
import { htmlReport } from '../src/report/index.js';
import { chromiumAvailable, CHROMIUM_ARGS, CHROMIUM_PATH } from '../src/web/browser-kernels.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

const browser = process.env.ZEROPOINT_CHROMIUM ?? CHROMIUM_PATH;
const available = chromiumAvailable(browser);
const reason =
  `no browser at ${browser}: the report test needs Debian's chromium ` +
  '(apt-get install -y chromium; .ci/run installs it)';
if (!available) console.warn(`test/report-browser.test.ts SKIPPED: ${reason}`);

describe('the profile report in headless Chromium', () => {
  if (!available) {
    it.skip(`SKIPPED: ${reason}`, () => {});
    return;
  }

  it('renders every chart with no console error and no network', async () => {
    const { profile } = await runProfileRecipe({
      model: convChain(),
      name: 'conv-chain',
      batches: convInputs(8, 1),
      heldOut: () => convInputs(2, 100),
    });
    const dir = resolve('out', 'report-browser');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'report.html');
    writeFileSync(file, htmlReport(profile, { generator: 'test', createdAt: 'now' }));
    const chrome = await chromium.launch({
      executablePath: browser,
      args: [...CHROMIUM_ARGS],
      timeout: 60_000,
    });
    try {
      const page = await chrome.newPage({ viewport: { width: 1150, height: 1600 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(file).href);
      const charts = await page.$$eval('svg', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          return {
            width: box.width,
            height: box.height,
            shapes: s.querySelectorAll('path, rect, line').length,
          };
        }),
      );
      // Open the weights too, so their charts lay out.
      await page.$eval('details', (d) => d.setAttribute('open', ''));
      const weightCharts = await page.$$eval('details svg', (svgs) =>
        svgs.map((s) => s.getBoundingClientRect().width),
      );
      await page.screenshot({ path: join(dir, 'report.png') });
      await page.screenshot({ path: join(dir, 'report-full.png'), fullPage: true });
      expect(charts).toHaveLength(profile.tensors.length + 1);
      const activations = profile.tensors.filter((t) => t.kind === 'activation').length;
      for (const c of charts.slice(0, activations + 1)) {
        expect(c.width).toBeGreaterThan(300);
        expect(c.height).toBeGreaterThan(100);
        expect(c.shapes).toBeGreaterThan(3);
      }
      expect(weightCharts.every((w) => w > 300)).toBe(true);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await chrome.close();
    }
  }, 60_000);
});

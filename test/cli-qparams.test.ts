// End to end: the `zeropoint qparams` command on the real detector weight the project ships,
// and its errors on bad files. Runs the CLI as a user would, in a child process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeNpy } from '../src/cli/io/npy.js';
import { asFloat64Header } from './helpers/npy.js';

const WEIGHT = 'data/ppocr-det-conv2d_150.npy';
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

function zeropoint(...args: string[]): string {
  return execFileSync('node', [...CLI, ...args], { encoding: 'utf8' });
}

function failing(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('node', [...CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('zeropoint qparams', () => {
  it('prints the documented JSON object for a real conv weight', () => {
    const out = JSON.parse(zeropoint('qparams', WEIGHT, '--qtype', 'uint8', '--json')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(out)).toEqual([
      'qtype',
      'scheme',
      'method',
      'axis',
      'blockSize',
      'range',
      'scale',
      'zeroPoint',
      'metrics',
    ]);
    expect(out).toMatchObject({
      qtype: 'uint8',
      scheme: 'asymmetric',
      method: 'minmax',
      axis: null,
      blockSize: null,
      range: [-0.7903607487678528, 0.6242902278900146],
    });
    // the weight spans [-0.790, 0.624]: scale = 1.4146 / 255, zero point = round(0.790 / scale)
    expect(out.scale).toBeCloseTo((0.79036075 + 0.6242902) / 255, 7);
    expect(out.zeroPoint).toBe(142);
    const metrics = out.metrics as Record<string, number>;
    expect(Object.keys(metrics)).toEqual([
      'mse',
      'sqnrDb',
      'maxAbsError',
      'cosine',
      'clippedFraction',
      'gridUsed',
    ]);
    expect(metrics.sqnrDb).toBeGreaterThan(35);
    expect(metrics.maxAbsError).toBeLessThanOrEqual((out.scale as number) / 2 + 1e-7);
  });

  it('per-axis gives one scale per output channel, each at least as good as per-tensor', () => {
    const perAxis = JSON.parse(zeropoint('qparams', WEIGHT, '--axis', '0', '--json')) as {
      scale: number[];
      zeroPoint: number[];
      metrics: { sqnrDb: number };
    };
    const perTensor = JSON.parse(zeropoint('qparams', WEIGHT, '--json')) as {
      metrics: { sqnrDb: number };
    };
    expect(perAxis.scale).toHaveLength(24);
    expect(new Set(perAxis.zeroPoint)).toEqual(new Set([0]));
    expect(perAxis.metrics.sqnrDb).toBeGreaterThan(perTensor.metrics.sqnrDb);
  });

  it('several files are observed in order as batches; ema follows the later batch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zeropoint-'));
    writeFileSync(join(dir, 'a.npy'), serializeNpy(Float32Array.of(-1, 1), [1, 2]));
    writeFileSync(join(dir, 'b.npy'), serializeNpy(Float32Array.of(-3, 3), [1, 2]));
    const files = [join(dir, 'a.npy'), join(dir, 'b.npy')];
    const minmax = JSON.parse(zeropoint('qparams', ...files, '--json')) as { range: number[] };
    expect(minmax.range).toEqual([-3, 3]);
    const ema = JSON.parse(
      zeropoint('qparams', ...files, '--method', 'ema', '--momentum', '0.5', '--json'),
    ) as { method: string; range: number[] };
    expect(ema).toMatchObject({ method: 'ema', range: [-2, 2] });
  });

  it('--compare-methods gives one row per method and scheme; clipping methods clip outliers', () => {
    const rows = JSON.parse(zeropoint('qparams', WEIGHT, '--compare-methods', '--json')) as {
      method: string;
      scheme: string;
      range: [number, number];
    }[];
    expect(rows.map((r) => `${r.method}/${r.scheme}`)).toEqual(
      ['minmax', 'ema', 'histogram', 'percentile', 'entropy', 'mse'].flatMap((m) => [
        `${m}/symmetric`,
        `${m}/asymmetric`,
      ]),
    );
    const minmax = rows[0]!.range;
    const percentile = rows.find((r) => r.method === 'percentile')!.range;
    expect(percentile[1] - percentile[0]).toBeLessThan(minmax[1] - minmax[0]);
  });

  it('rejects an unknown method and an option the method does not take', () => {
    expect(failing('qparams', WEIGHT, '--method', 'median').stderr).toMatch(/median/);
    expect(failing('qparams', WEIGHT, '--method', 'minmax', '--bins', '64').stderr).toMatch(
      /bins.*minmax/,
    );
  });

  it('--compare prints both schemes side by side', () => {
    const out = zeropoint('qparams', WEIGHT, '--compare', '--qtype', 'int4', '--axis', '0');
    expect(out).toMatch(/symmetric int4\s+asymmetric int4/);
    expect(out).toMatch(/SQNR \(dB\)/);
    expect(out).toMatch(/grid used/);
  });

  it('explains a float64 file, a truncated file and a missing file, with exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zeropoint-'));
    const good = serializeNpy(new Float32Array(8), [8]);
    writeFileSync(join(dir, 'cut.npy'), good.subarray(0, good.length - 3));
    writeFileSync(join(dir, 'f8.npy'), asFloat64Header(good));
    const cut = failing('qparams', join(dir, 'cut.npy'));
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(/cut\.npy is not a valid \.npy file: truncated data.*\[bad-file\]/);
    expect(failing('qparams', join(dir, 'f8.npy')).stderr).toMatch(/'<f8'.*float32/);
    expect(failing('qparams', join(dir, 'none.npy')).stderr).toMatch(/cannot read.*\[io\]/);
  });

  it('names the file and index of a NaN', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zeropoint-'));
    writeFileSync(join(dir, 'nan.npy'), serializeNpy(Float32Array.of(1, 2, NaN), [3]));
    const r = failing('qparams', join(dir, 'nan.npy'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nan\.npy holds NaN at flat index 2/);
  });
});

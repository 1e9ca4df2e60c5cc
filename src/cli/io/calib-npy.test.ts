// Calibration data from .npy files: one file per batch in numeric order, INPUTNAME.*.npy for
// several inputs, and every header checked (dtype, shape, file counts) before a batch is read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import { asFloat64Header } from '../../../test/helpers/npy.js';
import { openCalibrationData } from './calib-data.js';
import { serializeNpy } from './npy.js';

const root = mkdtempSync(join(tmpdir(), 'zeropoint-npy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
function folder(files: Record<string, Uint8Array>): string {
  const dir = join(root, String(folders++));
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

function npy(rows: number, width: number, start: number): Uint8Array {
  return serializeNpy(
    Float32Array.from({ length: rows * width }, (_, i) => start + i),
    [rows, width],
  );
}

const x: ModelInput = { name: 'x', dtype: 'float32', dims: [undefined, 2], dimNames: ['N', '2'] };
const mask: ModelInput = {
  name: 'mask',
  dtype: 'float32',
  dims: [undefined, 3],
  dimNames: ['N', '3'],
};

async function all(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe('a folder of .npy files', () => {
  it('yields one batch per file in numeric name order, and counts samples up front', async () => {
    const dir = folder({
      '10.npy': npy(1, 2, 100),
      '2.npy': npy(3, 2, 20),
      'notes.txt': new Uint8Array(1),
    });
    const data = await openCalibrationData(dir, [x]);
    expect([data.kind, data.samples]).toEqual(['npy', 4]);
    const batches = await all(data.batches);
    expect(batches.map((f) => (f.x!.data as Float32Array)[0])).toEqual([20, 100]);
    expect(batches.map((f) => f.x!.dims)).toEqual([
      [3, 2],
      [1, 2],
    ]);
  });

  it('regroups the files into batches of --batch-size when given', async () => {
    const dir = folder({ 'a.npy': npy(1, 2, 0), 'b.npy': npy(1, 2, 2), 'c.npy': npy(1, 2, 4) });
    const batches = await all((await openCalibrationData(dir, [x], { batchSize: 2 })).batches);
    expect(batches.map((f) => f.x!.dims[0])).toEqual([2, 1]);
  });

  it('pairs INPUTNAME.*.npy files by input for a model with several inputs', async () => {
    const dir = folder({
      'x.0.npy': npy(2, 2, 0),
      'x.1.npy': npy(1, 2, 10),
      'mask.0.npy': npy(2, 3, 50),
      'mask.1.npy': npy(1, 3, 60),
    });
    const batches = await all((await openCalibrationData(dir, [x, mask])).batches);
    expect(batches).toHaveLength(2);
    expect((batches[1]!.mask!.data as Float32Array)[0]).toBe(60);
    expect((batches[1]!.x!.data as Float32Array)[0]).toBe(10);
  });

  it('a file that matches no input, or uneven file counts, fail naming them', async () => {
    const stray = folder({
      'x.0.npy': npy(1, 2, 0),
      'mask.0.npy': npy(1, 3, 0),
      'y.0.npy': npy(1, 2, 0),
    });
    await expect(openCalibrationData(stray, [x, mask])).rejects.toThrow(
      /y\.0\.npy matches no model input/,
    );
    const uneven = folder({
      'x.0.npy': npy(1, 2, 0),
      'x.1.npy': npy(1, 2, 0),
      'mask.0.npy': npy(1, 3, 0),
    });
    await expect(openCalibrationData(uneven, [x, mask])).rejects.toThrow(
      /'mask' has 1 .npy files named mask\.\*\.npy in .* but 'x' has 2/,
    );
  });

  it('a shape mismatch anywhere fails before the first batch, naming the input and the file', async () => {
    const dir = folder({ '0.npy': npy(1, 2, 0), '1.npy': npy(1, 5, 0) });
    const error = await openCalibrationData(dir, [x]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /input 'x' expects shape \[N, 2\], but .*1\.npy holds \[1, 5\]/,
    );
    expect(error).toMatchObject({
      code: 'bad-calibration-data',
      context: { input: 'x', file: join(dir, '1.npy') },
    });
  });

  it('a float64 file fails naming the input and the file', async () => {
    const dir = folder({ '0.npy': asFloat64Header(npy(1, 2, 0)) });
    await expect(openCalibrationData(dir, [x])).rejects.toThrow(
      /input 'x' expects float32 \('<f4'\), but .*0\.npy holds dtype '<f8'; .*astype\(np\.float32\)/,
    );
  });

  it('NaN in a file fails naming the input, the file and the sample', async () => {
    const bad = serializeNpy(Float32Array.of(1, 2, 3, NaN), [2, 2]);
    const dir = folder({ '0.npy': npy(1, 2, 0), '1.npy': bad });
    const data = await openCalibrationData(dir, [x]);
    const error = await all(data.batches).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/input 'x' holds NaN in sample 1 of .*1\.npy/);
    expect(error).toMatchObject({ context: { input: 'x', sample: 1, file: join(dir, '1.npy') } });
  });

  it('a single .npy path is one batch, and an empty folder has no samples', async () => {
    const dir = folder({ 'only.npy': npy(2, 2, 0) });
    expect((await openCalibrationData(join(dir, 'only.npy'), [x])).samples).toBe(2);
    await expect(openCalibrationData(folder({}), [x])).rejects.toThrow(/no calibration samples/);
    await expect(openCalibrationData(join(root, 'missing'), [x])).rejects.toMatchObject({
      code: 'io',
    });
  });

  // Defects the fuzzer (test/fuzz/) found.
  it('a version byte of 255 fails as bad-file (its header length was read as 4 GiB, allocated and decoded)', async () => {
    const bytes = npy(1, 2, 0);
    bytes[6] = 255;
    const dir = folder({ '0.npy': bytes });
    await expect(openCalibrationData(dir, [x])).rejects.toMatchObject({
      code: 'bad-file',
      message: expect.stringMatching(/format version 255/) as unknown,
    });
  });

  it('a shape of -1 or 1.5 in a header fails as bad-file before any batch is read', async () => {
    for (const shape of ['(-1, 2)', '(1.5, 2)']) {
      const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }\n`;
      const bytes = new Uint8Array(10 + header.length + 8);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
      bytes.set(new TextEncoder().encode(header), 10);
      await expect(openCalibrationData(folder({ '0.npy': bytes }), [x])).rejects.toThrow(
        /bad shape/,
      );
    }
  });
});

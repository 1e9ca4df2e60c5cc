// Calibration data from image folders: pixels decoded by sharp arrive scaled, normalised per
// channel, in RGB or BGR order and NCHW or NHWC layout; resize-then-crop keeps the center;
// the geometry is checked against the model input before any image is decoded.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import { openCalibrationData } from './calib-data.js';

const root = mkdtempSync(join(tmpdir(), 'zeropoint-images-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** RGB pixel (y, x) of image k: distinct, exactly known 8-bit values. */
function pixel(k: number, y: number, x: number): [number, number, number] {
  return [(10 * k + 3 * x + 7 * y) % 256, (50 + 11 * x) % 256, (200 - 13 * y - k) % 256];
}

async function png(file: string, k: number, height: number, width: number): Promise<void> {
  const raw = Buffer.alloc(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(k, y, x), (y * width + x) * 3);
  }
  await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

function input(dims: (number | undefined)[]): ModelInput {
  return {
    name: 'image',
    dtype: 'float32',
    dims,
    dimNames: dims.map((d) => (d === undefined ? '?' : String(d))),
  };
}

async function all(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

const square = join(root, 'square');
const wide = join(root, 'wide');
beforeAll(async () => {
  mkdirSync(square);
  mkdirSync(wide);
  await Promise.all([0, 1, 2].map((k) => png(join(square, `img${k}.png`), k, 4, 4)));
  await png(join(wide, 'wide.png'), 0, 4, 8);
});

describe('an image folder', () => {
  it('feeds NCHW RGB values scaled by 1/255, minus mean, over std, in batches', async () => {
    const mean = [0.5, 0.25, 0];
    const std = [0.5, 2, 1];
    const data = await openCalibrationData(square, [input([undefined, 3, 4, 4])], {
      batchSize: 2,
      image: { mean, std },
    });
    expect([data.kind, data.samples]).toEqual(['images', 3]);
    const batches = await all(data.batches);
    expect(batches.map((f) => f.image!.dims)).toEqual([
      [2, 3, 4, 4],
      [1, 3, 4, 4],
    ]);
    const v = batches[0]!.image!.data as Float32Array;
    for (const [k, y, x, c] of [
      [0, 0, 0, 0],
      [1, 3, 2, 1],
      [1, 2, 3, 2],
    ] as const) {
      const expected = Math.fround((pixel(k, y, x)[c] * (1 / 255) - mean[c]!) / std[c]!);
      expect(v[k * 48 + (c * 4 + y) * 4 + x]).toBe(expected);
    }
  });

  it('BGR order and NHWC layout (guessed from a trailing 3) move channels as asked', async () => {
    const data = await openCalibrationData(square, [input([1, 4, 4, 3])], {
      image: { channels: 'BGR', scale: 1 },
    });
    const [first] = await all(data.batches);
    expect(first!.image!.dims).toEqual([1, 4, 4, 3]);
    const v = first!.image!.data as Float32Array;
    const [r, g, b] = pixel(0, 1, 2);
    expect(Array.from(v.subarray((1 * 4 + 2) * 3, (1 * 4 + 2) * 3 + 3))).toEqual([b, g, r]);
  });

  it('resizing the shorter side and cropping keeps the center columns', async () => {
    const data = await openCalibrationData(wide, [input([1, 3, 4, 4])], {
      image: { resize: 4, scale: 1 },
    });
    const [first] = await all(data.batches);
    const v = first!.image!.data as Float32Array;
    const red = (y: number, x: number): number => v[(0 * 4 + y) * 4 + x]!;
    expect([red(0, 0), red(3, 3)]).toEqual([pixel(0, 0, 2)[0], pixel(0, 3, 5)[0]]);
  });

  it('a one-channel input gets greyscale images', async () => {
    const [first] = await all((await openCalibrationData(square, [input([1, 1, 4, 4])])).batches);
    expect(first!.image!.dims).toEqual([1, 1, 4, 4]);
  });

  it('a dynamic height or width needs a size, and a size the input cannot take fails', async () => {
    await expect(
      openCalibrationData(square, [input([1, 3, undefined, undefined])]),
    ).rejects.toThrow(/dynamic height or width \[1, 3, \?, \?\]; give the image size/);
    const sized = await openCalibrationData(square, [input([1, 3, undefined, undefined])], {
      image: { size: [2, 3] },
    });
    expect((await all(sized.batches))[0]!.image!.dims).toEqual([1, 3, 2, 3]);
    const error = await openCalibrationData(square, [input([1, 3, 4, 4])], {
      image: { size: [2, 2] },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'bad-calibration-data',
      context: { input: 'image', file: square },
    });
  });

  it('a model with several inputs or a file that is not an image fails clearly', async () => {
    const two = [input([1, 3, 4, 4]), { ...input([1, 3, 4, 4]), name: 'other' }];
    await expect(openCalibrationData(square, two)).rejects.toThrow(/one input; this one has 2/);
    const broken = join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'bad.png'), 'not a png');
    const error = await all(
      (await openCalibrationData(broken, [input([1, 3, 4, 4])])).batches,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-file', context: { file: join(broken, 'bad.png') } });
  });
});

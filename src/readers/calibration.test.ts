// Calibration data held in memory, as the studio has it: .npy files by name (numeric order,
// INPUTNAME.*.npy pairing, regrouping), several .npz archives of int64 token ids, and images
// decoded by a caller, checked before the first batch, with the same errors as the CLI's folders.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Feeds } from '../ptq/batches.js';
import type { ModelInput } from '../ptq/model-inputs.js';
import { readImageCalibration, readNpyCalibration, readNpzArchives } from './calibration.js';
import { serializeNpy, serializeNpyTensor } from './npy.js';

function input(name: string, dims: (number | undefined)[]): ModelInput {
  return { name, dtype: 'float32', dims, dimNames: dims.map((d) => String(d ?? 'N')) };
}

function npy(rows: number, width: number, start: number): Uint8Array {
  return serializeNpy(
    Float32Array.from({ length: rows * width }, (_, i) => start + i),
    [rows, width],
  );
}

async function all(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe('calibration data in memory', () => {
  it('.npy files pair by input name in numeric order and regroup into the batch size', async () => {
    const x = input('x', [undefined, 2]);
    const mask = input('mask', [undefined, 3]);
    const files = [
      { name: 'x.10.npy', bytes: npy(1, 2, 100) },
      { name: 'mask.10.npy', bytes: npy(1, 3, 600) },
      { name: 'x.2.npy', bytes: npy(2, 2, 20) },
      { name: 'mask.2.npy', bytes: npy(2, 3, 50) },
    ];
    const data = readNpyCalibration(files, [x, mask], 3);
    expect([data.kind, data.samples]).toEqual(['npy', 3]);
    const [batch] = await all(data.batches);
    expect(batch!.x!.dims).toEqual([3, 2]);
    expect(Array.from(batch!.mask!.data as Float32Array).filter((_, i) => i % 3 === 0)).toEqual([
      50, 53, 600,
    ]);
    expect(() => readNpyCalibration([{ name: 'x.0.npy', bytes: npy(1, 5, 0) }], [x])).toThrow(
      /input 'x' expects shape \[N, 2\], but x\.0\.npy holds \[1, 5\]/,
    );
  });

  it('images decode lazily, batch by batch, and a failed decode names the image', async () => {
    const decoded: string[] = [];
    const image = (name: string, value: number) => ({
      name,
      decode: () => {
        decoded.push(name);
        if (value < 0) return Promise.reject(new Error(`cannot decode ${name}`));
        const data = new Uint8Array(2 * 2 * 4).fill(value);
        return Promise.resolve({ width: 2, height: 2, channels: 4, data });
      },
    });
    const data = readImageCalibration(
      [image('a.png', 51), image('b.png', 102), image('c.png', -1)],
      [input('image', [undefined, 3, 2, 2])],
      {},
      2,
    );
    expect([data.kind, data.samples, decoded]).toEqual(['images', 3, []]);
    const stream = data.batches[Symbol.asyncIterator]();
    const first = (await stream.next()).value as Feeds;
    expect(first.image!.dims).toEqual([2, 3, 2, 2]);
    expect((first.image!.data as Float32Array)[12]).toBeCloseTo(102 / 255, 6);
    expect(decoded).toEqual(['a.png', 'b.png']);
    await expect(stream.next()).rejects.toThrow(/cannot decode c\.png/);
  });

  it('.npz archives of int64 ids: every one checked first, samples in order, regrouped', async () => {
    const ids: ModelInput = {
      name: 'ids',
      dtype: 'int64',
      dims: [undefined, 2],
      dimNames: ['N', '2'],
    };
    const archive = (values: bigint[]): Uint8Array => {
      const data = BigInt64Array.from(values);
      return zipSync({
        'ids.npy': serializeNpyTensor({ type: 'int64', shape: [values.length / 2, 2], data }),
      });
    };
    const archives = [
      { name: 'a.npz', bytes: archive([1n, 2n]) },
      { name: 'b.npz', bytes: archive([3n, 4n, 5n, 6n]) },
    ];
    const data = readNpzArchives(archives, [ids], 2);
    expect([data.kind, data.samples]).toEqual(['npz', 3]);
    const batches = await all(data.batches);
    expect(batches.map((f) => Array.from(f.ids!.data as BigInt64Array))).toEqual([
      [1n, 2n, 3n, 4n],
      [5n, 6n],
    ]);
    const broken = [archives[0]!, { name: 'c.npz', bytes: zipSync({ 'ids.npy': npy(1, 2, 0) }) }];
    expect(() => readNpzArchives(broken, [ids])).toThrow(
      /input 'ids' expects int64 \('<i8'\), but c\.npz:ids\.npy holds dtype '<f4'/,
    );
  });
});

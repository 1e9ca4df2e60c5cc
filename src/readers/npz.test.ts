// Calibration data from .npz archives, stored and deflated: arrays matched to inputs by name,
// split into batches along the leading axis, and checked before the first batch; corrupted
// archives fail as bad-file. Archives are built in memory with fflate.
import { zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Feeds } from '../ptq/batches.js';
import type { ModelInput } from '../ptq/model-inputs.js';
import { readNpzCalibration, type CalibrationSamples } from './calibration.js';
import { serializeNpy, serializeNpyTensor, type NpyTensor } from './npy.js';

/** An .npz of `arrays` (name -> [values, shape]), deflated at `level` (0: stored). */
function npz(arrays: Record<string, [Float32Array, number[]]>, level: 0 | 6): Uint8Array {
  const members: Zippable = Object.fromEntries(
    Object.entries(arrays).map(([name, [data, shape]]) => [
      `${name}.npy`,
      [serializeNpy(data, shape), { level }],
    ]),
  );
  return zipSync(members);
}

/** The archive `bytes` read for `inputs` as calib.npz; async so that failures reject. */
async function openNpz(
  bytes: Uint8Array,
  inputs: readonly ModelInput[],
  options: { batchSize?: number } = {},
): Promise<CalibrationSamples> {
  await Promise.resolve();
  return readNpzCalibration(bytes, 'calib.npz', inputs, options.batchSize);
}

function ramp(n: number, start = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => start + i * 0.5);
}

const x: ModelInput = {
  name: 'x',
  dtype: 'float32',
  dims: [undefined, 2, 3],
  dimNames: ['N', '2', '3'],
};
const y: ModelInput = { name: 'y', dtype: 'float32', dims: [undefined, 4], dimNames: ['N', '4'] };

async function all(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe('a .npz archive', () => {
  for (const level of [0, 6] as const) {
    it(`splits each input's array into batches, values in order (${level === 0 ? 'stored' : 'deflated'})`, async () => {
      const file = npz({ x: [ramp(5 * 6), [5, 2, 3]], y: [ramp(5 * 4, 100), [5, 4]] }, level);
      const data = await openNpz(file, [x, y], { batchSize: 2 });
      expect([data.kind, data.samples]).toEqual(['npz', 5]);
      const batches = await all(data.batches);
      expect(batches.map((f) => f.x!.dims)).toEqual([
        [2, 2, 3],
        [2, 2, 3],
        [1, 2, 3],
      ]);
      const xs = batches.flatMap((f) => Array.from(f.x!.data as Float32Array));
      const ys = batches.flatMap((f) => Array.from(f.y!.data as Float32Array));
      expect(xs).toEqual(Array.from(ramp(30)));
      expect(ys).toEqual(Array.from(ramp(20, 100)));
    });
  }

  it('a one-input model takes a lone array of any name, one sample per batch by default', async () => {
    const file = npz({ arr_0: [ramp(12), [2, 2, 3]] }, 6);
    const batches = await all((await openNpz(file, [x])).batches);
    expect(batches.map((f) => f.x!.dims[0])).toEqual([1, 1]);
  });

  it('a missing array fails naming the input and listing the arrays', async () => {
    const file = npz({ x: [ramp(6), [1, 2, 3]], z: [ramp(4), [1, 4]] }, 0);
    await expect(openNpz(file, [x, y])).rejects.toThrow(/no array named 'y' \(arrays: x, z\)/);
  });

  it('a shape mismatch fails before any batch, naming the input and the member', async () => {
    const file = npz({ x: [ramp(8), [1, 2, 4]] }, 6);
    const error = await openNpz(file, [x]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /input 'x' expects shape \[N, 2, 3\], but .*x\.npy holds \[1, 2, 4\]/,
    );
    expect(error).toMatchObject({ code: 'bad-calibration-data', context: { input: 'x' } });
  });

  it('arrays of different sample counts fail', async () => {
    const file = npz({ x: [ramp(12), [2, 2, 3]], y: [ramp(4), [1, 4]] }, 0);
    await expect(openNpz(file, [x, y])).rejects.toThrow(/'y' holds 1 samples but 'x' holds 2/);
  });

  it('infinity in a sample fails naming the input, the member and the sample', async () => {
    const values = ramp(18);
    values[13] = Infinity;
    const file = npz({ x: [values, [3, 2, 3]] }, 6);
    const error = await all((await openNpz(file, [x], { batchSize: 2 })).batches).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/input 'x' holds Infinity in sample 2 of .*x\.npy/);
  });

  it('a file that is not a zip archive fails as a bad file', async () => {
    const file = new Uint8Array(100);
    await expect(openNpz(file, [x])).rejects.toMatchObject({ code: 'bad-file' });
  });

  // Defects the fuzzer (test/fuzz/) found: corrupted archives failed with RangeErrors or sized
  // reads by their corrupted fields.
  it('a central directory entry whose name runs past the directory fails as bad-file (was a RangeError)', async () => {
    const file = edited((view, zip) => view.setUint16(zip.cd + 28, 40000, true));
    await expect(openNpz(file, [x])).rejects.toMatchObject({ code: 'bad-file' });
  });

  it('a central directory, local header or member past the end of the file fails as bad-file, unread', async () => {
    const edits: ((view: DataView, zip: Zip) => void)[] = [
      (view, zip) => view.setUint32(zip.eocd + 12, 0xfffffff0, true),
      (view, zip) => view.setUint32(zip.eocd + 16, 0x7ffffff0, true),
      (view, zip) => view.setUint32(zip.cd + 42, 0x7fffffff, true),
      (view, zip) => view.setUint32(zip.cd + 20, 0x7fffffff, true),
      (view, zip) => {
        // A zip64 entry count whose locator points 1 TiB into a small file.
        view.setUint16(zip.eocd + 10, 0xffff, true);
        view.setUint32(zip.eocd - 20, 0x07064b50, true);
        view.setBigUint64(zip.eocd - 12, 2n ** 40n, true);
      },
    ];
    for (const edit of edits) {
      await expect(openNpz(edited(edit), [x])).rejects.toMatchObject({
        code: 'bad-file',
      });
    }
  });

  it('a member whose .npy header ends before byte 12 fails as bad-file (was a read of -2 bytes)', async () => {
    const member = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0, 0, 0, 0, 0]);
    const file = zipSync({ 'x.npy': [member, { level: 0 }] });
    await expect(openNpz(file, [x])).rejects.toMatchObject({ code: 'bad-file' });
  });

  it('a shape asking for more values than the member holds fails before the first batch', async () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 2, 3), }\n";
    const member = new Uint8Array(10 + header.length + 24);
    member.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
    member.set(new TextEncoder().encode(header), 10);
    const file = zipSync({ 'x.npy': [member, { level: 6 }] });
    await expect(openNpz(file, [x])).rejects.toThrow(/declares shape .* but holds/);
  });
});

/** An .npz of typed arrays (name -> tensor), deflated. */
function typedNpz(arrays: Record<string, NpyTensor>): Uint8Array {
  const members: Zippable = Object.fromEntries(
    Object.entries(arrays).map(([name, t]) => [
      `${name}.npy`,
      [serializeNpyTensor(t), { level: 6 }],
    ]),
  );
  return zipSync(members);
}

describe('a .npz of token ids (int64 input_ids, attention_mask, token_type_ids)', () => {
  const seq = (name: string): ModelInput => ({
    name,
    dtype: 'int64',
    dims: [undefined, undefined],
    dimNames: ['batch', 'sequence'],
  });
  const inputs = [seq('input_ids'), seq('attention_mask'), seq('token_type_ids')];
  const ids = (from: bigint): NpyTensor => ({
    type: 'int64',
    shape: [3, 4],
    data: BigInt64Array.from({ length: 12 }, (_, i) => from + BigInt(i)),
  });

  it('splits every int64 array into batches along the samples, values in order', async () => {
    const file = typedNpz({
      input_ids: ids(101n),
      attention_mask: ids(0n),
      token_type_ids: ids(50n),
    });
    const batches = await all((await openNpz(file, inputs, { batchSize: 2 })).batches);
    expect(batches.map((f) => [f.input_ids!.type, ...f.token_type_ids!.dims])).toEqual([
      ['int64', 2, 4],
      ['int64', 1, 4],
    ]);
    const all64 = batches.flatMap((f) => Array.from(f.input_ids!.data as BigInt64Array));
    expect(all64).toEqual(Array.from(ids(101n).data as BigInt64Array));
  });

  it('int32 ids for an int64 input fail naming the input, expected vs found, and the member', async () => {
    const int32: NpyTensor = { type: 'int32', shape: [3, 4], data: new Int32Array(12) };
    const file = typedNpz({ input_ids: ids(1n), attention_mask: int32, token_type_ids: ids(1n) });
    const error = await openNpz(file, inputs).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /input 'attention_mask' expects int64 \('<i8'\), but calib\.npz:attention_mask\.npy holds dtype '<i4'; convert it with numpy: array\.astype\(np\.int64\)/,
    );
    expect(error).toMatchObject({
      code: 'bad-calibration-data',
      context: { input: 'attention_mask', file: 'calib.npz:attention_mask.npy' },
    });
  });

  it('a float32 image input refuses int64 values, advising float32', async () => {
    const file = typedNpz({ x: { type: 'int64', shape: [1, 2, 3], data: new BigInt64Array(6) } });
    await expect(openNpz(file, [x])).rejects.toThrow(/expects float32 .*; .*astype\(np\.float32\)/);
  });
});

/** Offsets in a one-member archive: its central directory entry and end record. */
interface Zip {
  readonly cd: number;
  readonly eocd: number;
}

/** A stored one-member .npz of a valid x array with `edit` applied to its bytes. */
function edited(edit: (view: DataView, zip: Zip) => void): Uint8Array {
  const bytes = zipSync({ 'x.npy': [serializeNpy(ramp(12), [2, 2, 3]), { level: 0 }] });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  edit(view, { cd: view.getUint32(eocd + 16, true), eocd });
  return bytes;
}

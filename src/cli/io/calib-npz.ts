// Calibration data from a NumPy .npz archive (np.savez or np.savez_compressed): one array per
// model input, named after it (a one-input model takes a lone array of any name), samples
// along the leading axis, split into batches of the batch size. Each array is streamed from
// the archive, so memory holds one batch, compressed archives included.
// Not .npy folders (calib-npy.ts) and not the zip format itself (calib-zip.ts).
import { open } from 'node:fs/promises';
import { fail } from '../../core/errors.js';
import { sizeOf } from '../../core/granularity.js';
import type { Feeds } from '../../ptq/batches.js';
import { checkFinite, type ModelInput } from '../../ptq/model-inputs.js';
import { checkNpyHeader, npyDataOffset, parseNpyHeader, type NpyHeader } from './calib-npy.js';
import { entryReader, zipEntries, type ByteReader, type ZipEntry } from './calib-zip.js';

/** One input's array in the archive. */
export interface NpzArray {
  readonly input: ModelInput;
  readonly entry: ZipEntry;
  readonly header: NpyHeader;
}

/** The arrays of an archive, matched to the model's inputs and checked. */
export interface NpzPlan {
  readonly file: string;
  readonly arrays: readonly NpzArray[];
  /** Samples: the common leading size of the arrays. */
  readonly samples: number;
}

async function readHeader(reader: ByteReader, what: string): Promise<NpyHeader> {
  const prefix = await reader.read(12);
  // A version 1.0 header may end before byte 12 (it is at least 10 long).
  const rest = await reader.read(Math.max(0, npyDataOffset(prefix, what) - 12));
  const bytes = new Uint8Array(prefix.length + rest.length);
  bytes.set(prefix);
  bytes.set(rest, prefix.length);
  return parseNpyHeader(bytes, what);
}

function arrayName(entry: ZipEntry): string {
  return entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name;
}

/**
 * Matches `inputs` to the arrays of the archive `file` and checks their headers: float32,
 * trailing dims as the input declares, a batch of `batchSize` fitting its leading axis, and
 * one leading size for all arrays.
 */
export async function planNpz(
  file: string,
  inputs: readonly ModelInput[],
  batchSize: number,
): Promise<NpzPlan> {
  const handle = await open(file, 'r');
  let entries: ZipEntry[];
  try {
    entries = await zipEntries(handle, (await handle.stat()).size, file);
  } finally {
    await handle.close();
  }
  const names = entries.map(arrayName);
  const arrays: NpzArray[] = [];
  for (const input of inputs) {
    const at = names.indexOf(input.name);
    const entry =
      at >= 0 ? entries[at] : inputs.length === 1 && entries.length === 1 ? entries[0] : undefined;
    if (entry === undefined) {
      fail(
        'bad-calibration-data',
        `${file} has no array named '${input.name}' (arrays: ${names.join(', ') || 'none'})`,
        { input: input.name, file },
      );
    }
    const what = `${file}:${entry.name}`;
    const reader = entryReader(file, entry);
    const header = await readHeader(reader, what).finally(() => reader.close());
    if (header.shape.length === 0) {
      fail('bad-calibration-data', `${what} is a scalar; samples go along a leading axis`, {
        input: input.name,
        file,
      });
    }
    const batch = [Math.min(batchSize, header.shape[0]!), ...header.shape.slice(1)];
    checkNpyHeader(input, header, what, batch);
    // A shape asking for more bytes than the member holds is a corrupted header: say so now,
    // before a batch that size is read.
    const needed = header.dataOffset + 4 * sizeOf(header.shape);
    if (needed > entry.size) {
      fail(
        'bad-file',
        `${what} declares shape (${header.shape.join(', ')}), ${needed} bytes, but holds ${entry.size}`,
        { input: input.name, file },
      );
    }
    arrays.push({ input, entry, header });
  }
  const samples = arrays[0]?.header.shape[0] ?? 0;
  for (const a of arrays) {
    if (a.header.shape[0] !== samples) {
      fail(
        'bad-calibration-data',
        `${file}: '${a.input.name}' holds ${a.header.shape[0]} samples but '${arrays[0]!.input.name}' holds ${samples}`,
        { input: a.input.name, file },
      );
    }
  }
  return { file, arrays, samples };
}

/** Streams the planned arrays in batches of `batchSize` samples (the last may be smaller). */
export async function* readNpzBatches(plan: NpzPlan, batchSize: number): AsyncGenerator<Feeds> {
  const readers = plan.arrays.map((a) => entryReader(plan.file, a.entry));
  try {
    for (const [k, a] of plan.arrays.entries()) await readers[k]!.read(a.header.dataOffset);
    for (let first = 0; first < plan.samples; first += batchSize) {
      const rows = Math.min(batchSize, plan.samples - first);
      const feeds: Record<string, Feeds[string]> = {};
      for (const [k, a] of plan.arrays.entries()) {
        const dims = [rows, ...a.header.shape.slice(1)];
        const inner = dims.slice(1).reduce((x, y) => x * y, 1);
        const bytes = await readers[k]!.read(rows * inner * 4);
        const data = new Float32Array(bytes.buffer, 0, rows * inner);
        checkFinite(a.input.name, data, dims, {
          file: `${plan.file}:${a.entry.name}`,
          firstSample: first,
        });
        feeds[a.input.name] = { type: 'float32', dims, data };
      }
      yield feeds;
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

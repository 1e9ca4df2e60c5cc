// Calibration data from .npy files: each file one batch for a one-input model, or files named
// `INPUTNAME.*.npy` per input (the k-th file of each input forms batch k). Every file's header
// is checked against the model's inputs before the first batch runs; values are read one
// batch at a time. Not .npz archives (calib-npz.ts) and not dtypes other than float32.
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fail } from '../../core/errors.js';
import type { Feeds } from '../../ptq/batches.js';
import {
  checkFinite,
  checkInputShape,
  checkInputType,
  type ModelInput,
} from '../../ptq/model-inputs.js';
import { npyHeaderSpan, parseNpy, parseNpyHeaderText } from './npy.js';

/** What a .npy header says about the array after it. */
export interface NpyHeader {
  readonly descr: string;
  readonly shape: number[];
  /** Byte offset of the first value. */
  readonly dataOffset: number;
}

/** Byte offset of the values given a .npy file's first 12 bytes; `bad-file` if not .npy. */
export function npyDataOffset(prefix: Uint8Array, file: string): number {
  return npyHeaderSpan(prefix, file).dataStart;
}

/** Parses the header in `bytes` (at least npyDataOffset bytes long). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const { headerStart, dataStart } = npyHeaderSpan(bytes, file);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseNpyHeaderText(header, file);
  if (descr === undefined || shape === undefined) {
    fail('bad-file', `${file} is not a valid .npy file: header lacks descr or shape`, { file });
  }
  if (fortran === 'True') {
    fail('bad-file', `${file} holds a Fortran-order array; save it in C order`, { file });
  }
  return { descr, shape, dataOffset: dataStart };
}

/**
 * Fails with `bad-calibration-data` unless the header suits `input`: float32, and `dims` (the
 * header's shape unless given, e.g. one batch of it) fitting the input's shape.
 */
export function checkNpyHeader(
  input: ModelInput,
  header: NpyHeader,
  file: string,
  dims: readonly number[] = header.shape,
): void {
  if (!['<f4', '=f4', '|f4'].includes(header.descr)) {
    fail(
      'bad-calibration-data',
      `${file} holds dtype '${header.descr}' for input '${input.name}', but zeropoint reads ` +
        `float32 ('<f4'); convert it with numpy: array.astype(np.float32)`,
      { input: input.name, file },
    );
  }
  checkInputType(input, 'float32', { file });
  checkInputShape(input, dims, { file });
}

async function readHeader(file: string): Promise<NpyHeader> {
  const handle = await open(file, 'r');
  try {
    const prefix = new Uint8Array(12);
    await handle.read(prefix, 0, 12, 0);
    const bytes = new Uint8Array(npyDataOffset(prefix, file));
    await handle.read(bytes, 0, bytes.length, 0);
    return parseNpyHeader(bytes, file);
  } finally {
    await handle.close();
  }
}

/** One batch's files: a file per input name. */
export type NpyBatchFiles = ReadonlyMap<string, string>;

/**
 * Pairs `files` (sorted .npy paths) with `inputs` and checks every header: all files belong to
 * a one-input model; otherwise `NAME.*.npy` goes to input NAME (the longest matching name).
 * Returns the batches and their sample count (leading size of each batch's first input).
 */
export async function planNpyBatches(
  files: readonly string[],
  inputs: readonly ModelInput[],
): Promise<{ batches: NpyBatchFiles[]; samples: number }> {
  const byInput = new Map<string, string[]>(inputs.map((i) => [i.name, []]));
  for (const file of files) {
    const name = basename(file);
    const owner =
      inputs.length === 1
        ? inputs[0]
        : inputs
            .filter((i) => name.startsWith(`${i.name}.`))
            .sort((a, b) => b.name.length - a.name.length)[0];
    if (owner === undefined) {
      fail(
        'bad-calibration-data',
        `${file} matches no model input; name files INPUTNAME.*.npy ` +
          `(inputs: ${inputs.map((i) => i.name).join(', ')})`,
        { file },
      );
    }
    byInput.get(owner.name)!.push(file);
  }
  const counts = inputs.map((i) => byInput.get(i.name)!.length);
  for (const [k, input] of inputs.entries()) {
    if (counts[k] !== counts[0]) {
      fail(
        'bad-calibration-data',
        `input '${input.name}' has ${counts[k]} .npy files but '${inputs[0]!.name}' has ${counts[0]}`,
        { input: input.name },
      );
    }
  }
  const batches: NpyBatchFiles[] = [];
  let samples = 0;
  for (let b = 0; b < (counts[0] ?? 0); b++) {
    const batch = new Map<string, string>();
    for (const [k, input] of inputs.entries()) {
      const file = byInput.get(input.name)![b]!;
      const header = await readHeader(file);
      checkNpyHeader(input, header, file);
      if (k === 0) samples += header.shape.length === 0 ? 1 : header.shape[0]!;
      batch.set(input.name, file);
    }
    batches.push(batch);
  }
  return { batches, samples };
}

/** Reads planned batches one at a time; NaN or infinity fails naming input, file and sample. */
export async function* readNpyBatches(batches: readonly NpyBatchFiles[]): AsyncGenerator<Feeds> {
  for (const batch of batches) {
    const feeds: Record<string, Feeds[string]> = {};
    for (const [input, file] of batch) {
      const array = parseNpy(await readFile(file), file);
      checkFinite(input, array.data, array.shape, { file });
      feeds[input] = { type: 'float32', dims: array.shape, data: array.data };
    }
    yield feeds;
  }
}

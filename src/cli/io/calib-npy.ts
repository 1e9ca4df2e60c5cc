// Calibration data from .npy files on disk: each file one batch for a one-input model, or files
// named `INPUTNAME.*.npy` per input (the k-th file of each input forms batch k). Every file's
// header is read and checked against the model's inputs before the first batch runs; values
// are read one batch at a time. The pairing and checks are readers/npy-inputs.ts's; this file
// only opens files.
import { open, readFile } from 'node:fs/promises';
import type { Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import {
  checkNpyHeader,
  npyDataOffset,
  npyFeeds,
  npySamples,
  pairNpyFiles,
  parseNpyHeader,
  type NpyBatchFiles,
  type NpyHeader,
} from '../../readers/npy-inputs.js';

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

/**
 * Pairs `files` (sorted .npy paths) with `inputs` and checks every header. Returns the batches
 * and their sample count (leading size of each batch's first input).
 */
export async function planNpyBatches(
  files: readonly string[],
  inputs: readonly ModelInput[],
): Promise<{ batches: NpyBatchFiles[]; samples: number }> {
  const batches = pairNpyFiles(files, inputs);
  let samples = 0;
  for (const batch of batches) {
    for (const [k, input] of inputs.entries()) {
      const file = batch.get(input.name)!;
      const header = await readHeader(file);
      checkNpyHeader(input, header, file);
      if (k === 0) samples += npySamples(header);
    }
  }
  return { batches, samples };
}

/** Reads planned batches one at a time; NaN or infinity fails naming input, file and sample. */
export async function* readNpyBatches(batches: readonly NpyBatchFiles[]): AsyncGenerator<Feeds> {
  for (const batch of batches) {
    const arrays = new Map<string, { file: string; bytes: Uint8Array }>();
    for (const [input, file] of batch) arrays.set(input, { file, bytes: await readFile(file) });
    yield npyFeeds(arrays);
  }
}

// Calibration data from a folder of .npz archives (one sample, or a few, per archive: the form
// a tokenizer script writes for multi-input models). Every archive is read and checked against
// the model's inputs before the first batch, then read again one at a time as the batches are
// asked for, regrouped into the batch size. The archive checks are readers/npz.ts's; this file
// only opens files.
import { readFile } from 'node:fs/promises';
import { fail } from '../../core/errors.js';
import { rebatch, type Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import { npzBatches, planNpz } from '../../readers/npz.js';

function readArchive(file: string): Promise<Uint8Array> {
  return readFile(file).catch((error: Error) =>
    fail('io', `cannot read calibration data ${file}: ${error.message}`, { file }),
  );
}

/**
 * Checks every archive of `files` (sorted .npz paths) against `inputs` and returns the samples
 * they hold and a lazy stream of batches of `batchSize` samples.
 */
export async function openNpzFiles(
  files: readonly string[],
  inputs: readonly ModelInput[],
  batchSize: number,
): Promise<{ samples: number; batches: AsyncGenerator<Feeds> }> {
  let samples = 0;
  for (const file of files)
    samples += planNpz(await readArchive(file), file, inputs, batchSize).samples;
  async function* each(): AsyncGenerator<Feeds> {
    for (const file of files) {
      yield* npzBatches(planNpz(await readArchive(file), file, inputs, batchSize), batchSize);
    }
  }
  return { samples, batches: rebatch(each(), batchSize) };
}

// What the learning recipes (QAT, AdaRound) return when they keep PTQ: PTQ calibrated again on
// the training and held-out batches together, the model a plain static run on all of --calib
// writes, and the note their reason ends with. Not the judging of which model to keep.
import type { Feeds, StaticOptions, StaticResult } from '../ptq/index.js';
import { runStaticRecipe } from '../ptq/index.js';

/**
 * PTQ on the training and held-out batches together (`ptq` itself when they are the same
 * batches): the model a static run on all the data writes, which is what keeping PTQ returns.
 */
export async function ptqOnAll(
  modelBytes: Uint8Array,
  train: readonly Feeds[],
  heldOut: readonly Feeds[],
  options: StaticOptions,
  ptq: StaticResult,
): Promise<StaticResult> {
  if (heldOut === train) return ptq;
  return runStaticRecipe(modelBytes, [...train, ...heldOut], options);
}

/** " (calibrated on all N batches)" when `whole` is not the training-split `ptq`, else "". */
export function allBatchesNote(
  whole: StaticResult,
  ptq: StaticResult,
  train: readonly Feeds[],
  heldOut: readonly Feeds[],
): string {
  return whole === ptq ? '' : ` (calibrated on all ${train.length + heldOut.length} batches)`;
}

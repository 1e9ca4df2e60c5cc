// The feeds of profileModel and quantizeAdvised split into the batches that calibrate and the
// last `holdout` batches, held out for measuring (errors, sensitivity, the accuracy search), so
// no sample both sets a range and judges it. Stays lazy (advise/held-out.ts keeps only the
// held-out batches). Not the split itself (HeldOutSplit) and not reading files.
import { fail } from '../core/index.js';
import { defaultHeldOut, HeldOutSplit, type ProfileOptions } from '../advise/index.js';
import { batchCount, toBatches, type CalibrationFeeds } from './feeds.js';

/** How many of the feeds' batches to hold out. */
export interface HoldoutOptions {
  /**
   * Batches held out from the end of the feeds (default: a quarter, at least 1 with 2 or more
   * batches, at most 8; quantizeAdvised without a target: 0). Needs the count of batches.
   */
  readonly holdout?: number;
  /** Batches the feeds hold, when they are an iterable (an array counts itself); unknown: none held out. */
  readonly batches?: number;
}

/** The split feeds, as profile options, and how many batches are held out. */
export interface SplitFeeds {
  readonly data: Pick<ProfileOptions, 'batches' | 'heldOut' | 'checkBatches'>;
  readonly heldOutBatches: number;
}

/** Splits `feeds`; `byDefault` false holds nothing out unless `holdout` is given. */
export function splitFeeds(
  feeds: CalibrationFeeds,
  options: HoldoutOptions & { readonly signal?: AbortSignal },
  byDefault: boolean,
): SplitFeeds {
  const batches = batchCount(feeds) ?? options.batches;
  const { holdout } = options;
  if (holdout !== undefined && !(Number.isInteger(holdout) && holdout >= 0)) {
    fail('bad-argument', `holdout takes a count of batches; got ${holdout}`);
  }
  let held = holdout ?? (byDefault ? defaultHeldOut(batches ?? 0) : 0);
  if (batches !== undefined && held >= batches) {
    fail(
      'bad-argument',
      `holdout ${held} leaves nothing to calibrate on: the data holds ${batches} batch(es)`,
    );
  }
  // With an unknown count nothing is held out: every batch calibrates.
  if (batches === undefined) held = 0;
  const calibrating = batches === undefined ? Number.MAX_SAFE_INTEGER : batches - held;
  const split = new HeldOutSplit(toBatches(feeds, options.signal), Math.max(1, calibrating));
  return {
    data: {
      batches: split.calibration(),
      heldOut: async () => {
        await split.drain();
        return split.heldOut;
      },
      checkBatches: () => split.kept,
    },
    heldOutBatches: held,
  };
}

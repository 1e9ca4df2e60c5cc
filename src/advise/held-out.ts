// Splits a stream of calibration batches into the part that calibrates and a held-out part the
// advisor evaluates on (layer sensitivity, measured errors, the accuracy search), so no sample
// both sets a range and judges it. The stream stays lazy: the calibration part is passed on
// batch by batch and only the held-out batches are kept. Not the readers of files (cli/).
import { fail } from '../core/index.js';
import { samplesOf, type Batches, type Feeds } from '../ptq/index.js';

/** Calibration batches kept for checks when nothing is held out. */
export const KEPT = 16;

/** Batches held out by default: a quarter of them, at least 1 (with 2 or more), at most 8. */
export function defaultHeldOut(batches: number): number {
  if (batches < 2) return 0;
  return Math.min(8, Math.max(1, Math.floor(batches / 4)));
}

/** A stream split into its first `calibrationBatches` batches and the rest, kept. */
export class HeldOutSplit {
  /** The held-out batches: complete once `calibration` has been read to its end, or `drain()`. */
  readonly heldOut: Feeds[] = [];
  /** The first calibration batches (up to KEPT), to confirm advice on when none are held out. */
  readonly kept: Feeds[] = [];
  private source: AsyncIterator<Feeds> | Iterator<Feeds> | undefined;
  private taken = 0;
  private calibrationSamplesSeen = 0;

  constructor(
    batches: Batches,
    private readonly calibrationBatches: number,
  ) {
    if (!Number.isInteger(calibrationBatches) || calibrationBatches < 1) {
      fail('bad-argument', `at least one batch must calibrate; got ${calibrationBatches}`);
    }
    this.source =
      Symbol.asyncIterator in batches
        ? batches[Symbol.asyncIterator]()
        : (batches as Iterable<Feeds>)[Symbol.iterator]();
  }

  /** Samples the calibration part held (after it was read). */
  get calibrationSamples(): number {
    return this.calibrationSamplesSeen;
  }

  /** Samples held out (after the stream was read to its end). */
  get heldOutSamples(): number {
    return this.heldOut.reduce((n, f) => n + samplesOf(f), 0);
  }

  /** The first batches, for calibration; reading it to the end also collects the held-out ones. */
  async *calibration(): AsyncGenerator<Feeds> {
    for (;;) {
      const next = await this.next();
      if (next === undefined) return;
      if (this.taken < this.calibrationBatches) {
        this.taken++;
        this.calibrationSamplesSeen += samplesOf(next);
        if (this.kept.length < KEPT) this.kept.push(next);
        yield next;
      } else {
        this.heldOut.push(next);
      }
    }
  }

  /** Reads whatever is left (when calibration came from a cache and the stream was not read). */
  async drain(): Promise<void> {
    const rest = this.calibration();
    while ((await rest.next()).done !== true) {
      // Counted as calibration, though a cache stood in for it.
    }
  }

  private async next(): Promise<Feeds | undefined> {
    if (this.source === undefined) return undefined;
    const r = await this.source.next();
    if (r.done === true) {
      this.source = undefined;
      return undefined;
    }
    return r.value;
  }
}

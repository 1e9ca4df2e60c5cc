// What quantizeQat and quantizeAdaround share: collect the feeds, hold out the last batches to
// judge the learned model, run the recipe on PTQ's static options, and add the static report
// (with the recipe's reason for keeping PTQ, if any); splitHeldOut also serves weight-only QAT.
// Not a recipe: each passes its own.
import { fail } from '../core/index.js';
import type { Feeds, StaticOptions, StaticResult } from '../ptq/index.js';
import type { QuantizeReport } from '../report/index.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { staticReport, type ReportFiles } from './quantize-static.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** What a learning recipe returns: the model written, PTQ's result, its own report. */
export interface HeldOutRecipeResult<R extends { readonly reason?: string }> {
  readonly bytes: Uint8Array;
  readonly static: StaticResult;
  readonly report: R;
}

/** The options every held-out recipe takes besides its own settings. */
export interface HeldOutOptions extends RunOptions {
  /** Batches held out from the end of the feeds to judge (default a quarter, at least 1). */
  readonly holdout?: number;
  readonly files?: ReportFiles;
}

/** `options` split into what runHeldOutRecipe reads and the recipe's own settings and plan. */
export function splitHeldOutOptions<T extends HeldOutOptions>(
  options: T,
): [HeldOutOptions, Omit<T, keyof HeldOutOptions>] {
  const { signal, holdout, threads, observeHost, files, onProgress, ...rest } = options;
  const run = { signal, holdout, threads, observeHost, files, onProgress };
  return [Object.fromEntries(Object.entries(run).filter(([, v]) => v !== undefined)), rest];
}

/**
 * The feeds collected and split: the last `holdout` batches (default a quarter, at least 1)
 * judge, the rest learn; `what` names the recipe when that leaves either side empty.
 */
export async function splitHeldOut(
  feeds: CalibrationFeeds,
  options: Pick<HeldOutOptions, 'holdout' | 'signal'>,
  what: string,
): Promise<{ readonly train: Feeds[]; readonly heldOut: Feeds[] }> {
  const batches: Feeds[] = [];
  for await (const f of toBatches(feeds, options.signal)) batches.push(f);
  const held = options.holdout ?? Math.max(1, Math.round(batches.length / 4));
  if (!(Number.isInteger(held) && held >= 1 && held < batches.length)) {
    fail(
      'bad-argument',
      `${what} holds out ${held} of ${batches.length} batch(es); it needs at least 1 to learn on and 1 to judge with`,
    );
  }
  return { train: batches.slice(0, -held), heldOut: batches.slice(-held) };
}

/**
 * Runs `recipe` on all but the last `holdout` batches of `feeds`, those judging it; `what`
 * names it in the error when the split leaves nothing to learn on or to judge with.
 */
export async function runHeldOutRecipe<R extends { readonly reason?: string }>(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  plan: Omit<StaticOptions, 'onProgress' | 'threads' | 'observeHost'>,
  options: HeldOutOptions,
  what: string,
  recipe: (
    train: Feeds[],
    heldOut: Feeds[],
    staticOptions: StaticOptions,
  ) => Promise<HeldOutRecipeResult<R>>,
): Promise<{ readonly model: Uint8Array; readonly report: QuantizeReport; readonly recipe: R }> {
  const { signal, threads, observeHost, files } = options;
  const { train, heldOut } = await splitHeldOut(feeds, options, what);
  const staticOptions: StaticOptions = {
    ...plan,
    ...(threads === undefined ? {} : { threads }),
    ...(observeHost === undefined ? {} : { observeHost }),
    onProgress: stageProgress(options, 'calibrating'),
  };
  const result = await recipe(train, heldOut, staticOptions);
  checkAborted(signal);
  const reason = result.report.reason === undefined ? [] : [result.report.reason];
  const report = staticReport(
    model,
    result.static,
    { files, method: plan.method },
    result.bytes,
    reason,
  );
  return { model: result.bytes, report, recipe: result.report };
}

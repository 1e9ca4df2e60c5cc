// The public quantizeAdaround: model bytes and calibration feeds in, the static INT8 model with
// learned weight rounding (or the PTQ one, when the rounding did not help) and the report out.
// Holds out the last batches for judging, as quantizeQat does, and wraps qat/'s
// runAdaroundRecipe. Not reading or writing files (cli/ does), and not the rounding itself.
import { fail } from '../core/index.js';
import type { Feeds, StaticOptions } from '../ptq/index.js';
import {
  runAdaroundRecipe,
  type AdaroundReport,
  type AdaroundSettings,
} from '../qat/adaround-recipe.js';
import type { QuantizeReport } from '../report/index.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { staticReport, type ReportFiles } from './quantize-static.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** Options of quantizeAdaround: the static plan and calibration, AdaRound's settings, the split. */
export interface QuantizeAdaroundOptions
  extends
    Omit<StaticOptions, 'onProgress' | 'threads'>,
    Omit<AdaroundSettings, 'signal' | 'threads' | 'onLayer'>,
    RunOptions {
  /** Batches held out from the end of the feeds to judge the rounding (default a quarter, at least 1). */
  readonly holdout?: number;
  /** Called after each rounded layer with the layers done and their number. */
  readonly onLayer?: (done: number, total: number, node: string) => void;
  readonly files?: ReportFiles;
}

/** The model (rounded, or PTQ's when kept), the static report and AdaRound's. */
export interface QuantizeAdaroundResult {
  readonly model: Uint8Array;
  readonly report: QuantizeReport & { readonly adaround: AdaroundReport };
}

/** Quantizes `model` statically on `feeds` with each weight's rounding learned (AdaRound). */
export async function quantizeAdaround(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: QuantizeAdaroundOptions = {},
): Promise<QuantizeAdaroundResult> {
  const { signal, files, holdout, threads, observeHost, onLayer, ...rest } = options;
  const { iterations, lambda, lr, beta, warmup, maxRows, seed, layersPerPass, ...plan } = rest;
  const batches: Feeds[] = [];
  for await (const f of toBatches(feeds, signal)) batches.push(f);
  const held = holdout ?? Math.max(1, Math.round(batches.length / 4));
  if (!(Number.isInteger(held) && held >= 1 && held < batches.length)) {
    fail(
      'bad-argument',
      `AdaRound holds out ${held} of ${batches.length} batch(es); it needs at least 1 to learn on and 1 to judge with`,
    );
  }
  const given = { iterations, lambda, lr, beta, warmup, maxRows, seed, layersPerPass, threads };
  const settings: AdaroundSettings = {
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    ...(signal === undefined ? {} : { signal }),
    onLayer: (done, total, node) => {
      checkAborted(signal);
      onLayer?.(done, total, node);
    },
  };
  const staticOptions: StaticOptions = {
    ...plan,
    ...(threads === undefined ? {} : { threads }),
    ...(observeHost === undefined ? {} : { observeHost }),
    onProgress: stageProgress(options, 'calibrating'),
  };
  const train = batches.slice(0, batches.length - held);
  const heldOut = batches.slice(batches.length - held);
  const result = await runAdaroundRecipe(model, train, heldOut, staticOptions, settings);
  checkAborted(signal);
  const reason = result.report.reason === undefined ? [] : [result.report.reason];
  const report = staticReport(
    model,
    result.static,
    { files, method: plan.method },
    result.bytes,
    reason,
  );
  return { model: result.bytes, report: { ...report, adaround: result.report } };
}

// The public quantizeQat: model bytes and calibration feeds in, the fine-tuned QDQ model (or the
// PTQ one, when fine-tuning did not help) and the report out. Holds out the last batches for
// judging, wraps qat/'s runQatRecipe and adds report/'s static report for the PTQ part.
// Not reading or writing files (cli/ does), and not the training itself.
import { fail } from '../core/index.js';
import type { Feeds, StaticOptions } from '../ptq/index.js';
import { runQatRecipe, type QatReport, type QatSettings } from '../qat/qat-recipe.js';
import type { QuantizeReport } from '../report/index.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { staticReport, type ReportFiles } from './quantize-static.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** Options of quantizeQat: the static plan and calibration, the training settings, the split. */
export interface QuantizeQatOptions
  extends
    Omit<StaticOptions, 'onProgress' | 'threads'>,
    Omit<QatSettings, 'signal' | 'threads'>,
    RunOptions {
  /** Batches held out from the end of the feeds to judge fine-tuning (default a quarter, at least 1). */
  readonly holdout?: number;
  readonly files?: ReportFiles;
}

/** The model (fine-tuned, or PTQ's when kept), the static report and the fine-tuning's. */
export interface QuantizeQatResult {
  readonly model: Uint8Array;
  readonly report: QuantizeReport & { readonly qat: QatReport };
}

/** Quantizes `model` statically on `feeds`, then fine-tunes it by distillation (QAT). */
export async function quantizeQat(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: QuantizeQatOptions = {},
): Promise<QuantizeQatResult> {
  const { signal, files, holdout, threads, observeHost, ...rest } = options;
  const { steps, lr, scaleRate, zeroPointRate, batchSize, accumulate, clip, ...more } = rest;
  const { learn, loss, seed, evalEvery, weightRate, onStep, ...plan } = more;
  const batches: Feeds[] = [];
  for await (const f of toBatches(feeds, signal)) batches.push(f);
  const held = holdout ?? Math.max(1, Math.round(batches.length / 4));
  if (!(Number.isInteger(held) && held >= 1 && held < batches.length)) {
    fail(
      'bad-argument',
      `QAT holds out ${held} of ${batches.length} batch(es); it needs at least 1 to train on and 1 to judge with`,
    );
  }
  const train = batches.slice(0, batches.length - held);
  const heldOut = batches.slice(batches.length - held);
  const settings: QatSettings = {
    ...(steps === undefined ? {} : { steps }),
    ...(lr === undefined ? {} : { lr }),
    ...(scaleRate === undefined ? {} : { scaleRate }),
    ...(zeroPointRate === undefined ? {} : { zeroPointRate }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(accumulate === undefined ? {} : { accumulate }),
    ...(clip === undefined ? {} : { clip }),
    ...(weightRate === undefined ? {} : { weightRate }),
    ...(learn === undefined ? {} : { learn }),
    ...(loss === undefined ? {} : { loss }),
    ...(seed === undefined ? {} : { seed }),
    ...(evalEvery === undefined ? {} : { evalEvery }),
    ...(threads === undefined ? {} : { threads }),
    ...(signal === undefined ? {} : { signal }),
    onStep: (s) => {
      checkAborted(signal);
      onStep?.(s);
    },
  };
  const staticOptions: StaticOptions = {
    ...plan,
    ...(threads === undefined ? {} : { threads }),
    ...(observeHost === undefined ? {} : { observeHost }),
    onProgress: stageProgress(options, 'calibrating'),
  };
  const result = await runQatRecipe(model, train, heldOut, staticOptions, settings);
  checkAborted(signal);
  const reason = result.report.reason === undefined ? [] : [result.report.reason];
  const report = staticReport(
    model,
    result.static,
    { files, method: plan.method },
    result.bytes,
    reason,
  );
  return { model: result.bytes, report: { ...report, qat: result.report } };
}

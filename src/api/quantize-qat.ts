// The public quantizeQat: model bytes and calibration feeds in, the fine-tuned QDQ model (or the
// PTQ one, when fine-tuning did not help) and the report out. Holds out the last batches for
// judging, wraps qat/'s runQatRecipe and adds report/'s static report for the PTQ part.
// Not reading or writing files (cli/ does), and not the training itself.
import type { StaticOptions } from '../ptq/index.js';
import { runQatRecipe, type QatReport, type QatSettings } from '../qat/qat-recipe.js';
import type { QuantizeReport } from '../report/index.js';
import type { CalibrationFeeds } from './feeds.js';
import { runHeldOutRecipe, splitHeldOutOptions, type HeldOutOptions } from './held-out-recipe.js';
import { checkAborted } from './run-options.js';

export type { LossFunction, LossSample, LossTensor, LossValue } from '../qat/objective.js';

/** Options of quantizeQat: the static plan and calibration, the training settings, the split. */
export interface QuantizeQatOptions
  extends
    Omit<StaticOptions, 'onProgress' | 'threads'>,
    Omit<QatSettings, 'signal' | 'threads'>,
    HeldOutOptions {}

/** The model (fine-tuned, or PTQ's when kept), the static report and the fine-tuning's. */
export interface QuantizeQatResult {
  readonly model: Uint8Array;
  readonly report: QuantizeReport & { readonly qat: QatReport };
}

/**
 * Quantizes `model` statically on `feeds`, then fine-tunes it (QAT) by distillation, or by
 * `options.loss` when it is a function (per sample, e.g. CTC on labels found by `sample.index`).
 */
export async function quantizeQat(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: QuantizeQatOptions = {},
): Promise<QuantizeQatResult> {
  const [run, rest] = splitHeldOutOptions(options);
  const { signal, threads } = run;
  const { steps, lr, scaleRate, zeroPointRate, batchSize, accumulate, clip, ...more } = rest;
  const { learn, loss, lossName, seed, evalEvery, weightRate, onStep, ...plan } = more;
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
    ...(lossName === undefined ? {} : { lossName }),
    ...(seed === undefined ? {} : { seed }),
    ...(evalEvery === undefined ? {} : { evalEvery }),
    ...(threads === undefined ? {} : { threads }),
    ...(signal === undefined ? {} : { signal }),
    onStep: (s) => {
      checkAborted(signal);
      onStep?.(s);
    },
  };
  const done = await runHeldOutRecipe(model, feeds, plan, run, 'QAT', (train, held, o) =>
    runQatRecipe(model, train, held, o, settings),
  );
  return { model: done.model, report: { ...done.report, qat: done.recipe } };
}

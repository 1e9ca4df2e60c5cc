// The public quantizeAdaround: model bytes and calibration feeds in, the static INT8 model with
// learned weight rounding (or the PTQ one, when the rounding did not help) and the report out.
// Holds out the last batches for judging, as quantizeQat does, and wraps qat/'s
// runAdaroundRecipe. Not reading or writing files (cli/ does), and not the rounding itself.
import type { StaticOptions } from '../ptq/index.js';
import {
  runAdaroundRecipe,
  type AdaroundReport,
  type AdaroundSettings,
} from '../qat/adaround-recipe.js';
import type { QuantizeReport } from '../report/index.js';
import type { CalibrationFeeds } from './feeds.js';
import { runHeldOutRecipe, splitHeldOutOptions, type HeldOutOptions } from './held-out-recipe.js';
import { checkAborted } from './run-options.js';

/** Options of quantizeAdaround: the static plan and calibration, AdaRound's settings, the split. */
export interface QuantizeAdaroundOptions
  extends
    Omit<StaticOptions, 'onProgress' | 'threads'>,
    Omit<AdaroundSettings, 'signal' | 'threads' | 'onLayer'>,
    HeldOutOptions {
  /** Called after each rounded layer with the layers done and their number. */
  readonly onLayer?: (done: number, total: number, node: string) => void;
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
  const [run, own] = splitHeldOutOptions(options);
  const { signal, threads } = run;
  const { onLayer, ...rest } = own;
  const { iterations, lambda, lr, beta, warmup, maxRows, seed, layersPerPass, ...plan } = rest;
  const given = { iterations, lambda, lr, beta, warmup, maxRows, seed, layersPerPass, threads };
  const settings: AdaroundSettings = {
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    ...(signal === undefined ? {} : { signal }),
    onLayer: (done, total, node) => {
      checkAborted(signal);
      onLayer?.(done, total, node);
    },
  };
  const done = await runHeldOutRecipe(model, feeds, plan, run, 'AdaRound', (train, held, o) =>
    runAdaroundRecipe(model, train, held, o, settings),
  );
  return { model: done.model, report: { ...done.report, adaround: done.recipe } };
}

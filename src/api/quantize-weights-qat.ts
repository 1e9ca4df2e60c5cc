// The public quantizeWeightsQat: model bytes and calibration feeds in, the weight-only model
// (blocked DequantizeLinear) whose codes were fine-tuned by distillation from the fp32 outputs
// (or the PTQ codes, when fine-tuning did not help) and its report out. Starts from what
// quantizeWeights with calibration writes (GPTQ statistics from the training split by default).
// Not reading or writing files (cli/ does), and not the training itself (qat/weight-qat.ts).
import type { WeightsOptions } from '../ptq/index.js';
import {
  runWeightQatRecipe,
  type WeightQatReport,
  type WeightQatSettings,
} from '../qat/weight-qat.js';
import type { CalibrationFeeds } from './feeds.js';
import { splitHeldOut } from './held-out-recipe.js';
import { checkAborted, type RunOptions } from './run-options.js';
import { weightStatistics } from './weight-statistics.js';

/** Options of quantizeWeightsQat: the weight-only recipe's, the training's, the split. */
export interface QuantizeWeightsQatOptions
  extends
    Omit<WeightsOptions, 'statistics' | 'format'>,
    Omit<WeightQatSettings, 'threads'>,
    RunOptions {
  /** Batches held out from the end of the feeds to judge (default a quarter, at least 1). */
  readonly holdout?: number;
}

/** The weight-only QAT report, with the split it trained and judged on. */
export interface WeightsQatReport extends WeightQatReport {
  readonly trainBatches: number;
  readonly heldOutBatches: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * Weight-only quantizes `model` (blocked DequantizeLinear) and fine-tunes the codes by
 * distillation against the fp32 outputs on `feeds`, keeping PTQ's codes when held-out KL
 * from fp32's softmax (SQNR breaking ties) does not fall.
 */
export async function quantizeWeightsQat(
  model: Uint8Array,
  feeds: CalibrationFeeds,
  options: QuantizeWeightsQatOptions,
): Promise<{ readonly model: Uint8Array; readonly report: WeightsQatReport }> {
  const { signal, threads, holdout, onProgress, ...rest } = options;
  const { steps, lr, batchSize, learnScales, seed, onStep, onMeasured, ...more } = rest;
  const { loss, temperature, keepBy, evalEvery, ...recipe } = more;
  const { train, heldOut } = await splitHeldOut(
    feeds,
    { ...(holdout === undefined ? {} : { holdout }), ...(signal === undefined ? {} : { signal }) },
    'weight-only QAT',
  );
  const needsData = recipe.algorithm === undefined || ['gptq', 'awq'].includes(recipe.algorithm);
  const run = {
    ...(threads === undefined ? {} : { threads }),
    ...(signal === undefined ? {} : { signal }),
    ...(onProgress === undefined ? {} : { onProgress }),
  };
  const statistics = needsData ? await weightStatistics(model, train, run) : undefined;
  checkAborted(signal);
  const settings: WeightQatSettings = {
    ...Object.fromEntries(
      Object.entries({
        steps,
        lr,
        batchSize,
        learnScales,
        seed,
        threads,
        loss,
        temperature,
        keepBy,
        evalEvery,
        onMeasured,
      }).filter(([, v]) => v !== undefined),
    ),
    onStep: (step, total, value, heldOut) => {
      checkAborted(signal);
      onStep?.(step, total, value, heldOut);
    },
  };
  const weights: WeightsOptions = {
    ...recipe,
    format: 'qdq',
    ...(statistics === undefined ? {} : { statistics }),
  };
  const result = await runWeightQatRecipe(model, train, heldOut, weights, settings);
  const report: WeightsQatReport = {
    ...result.report,
    trainBatches: train.length,
    heldOutBatches: heldOut.length,
    bytesIn: model.length,
    bytesOut: result.bytes.length,
  };
  return { model: result.bytes, report };
}

// Calibration for the weight-only recipe: quantizeWeights' `calibration` feeds become, for each
// MatMul/Gemm weight's input, the X^T X and mean |x| that GPTQ and AWQ read (ptq's
// collectWeightActivations on the float model). Progress is reported as 'calibrating' and the
// signal is checked before every batch. Not the algorithms and not the recipe.
import { buildGraph, readModel } from '../onnx/index.js';
import type { ActivationStats } from '../passes/weight-only-hessian.js';
import { findWeightTargets } from '../passes/weight-only-targets.js';
import { collectWeightActivations } from '../ptq/weight-activations.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { stageProgress, type RunOptions } from './run-options.js';

/** What quantizeWeights adds to the recipe's options to calibrate GPTQ and AWQ. */
export interface WeightCalibrationOptions extends Pick<
  RunOptions,
  'signal' | 'threads' | 'onProgress'
> {
  /**
   * Calibration batches: GPTQ and AWQ need them (the default algorithm is then the measured
   * best, see ALGORITHM_DEFAULTS); RTN and HQQ do not.
   */
  readonly calibration?: CalibrationFeeds;
}

/** X^T X and mean |x| of every weight target's input over `calibration`. */
export async function weightStatistics(
  model: Uint8Array,
  calibration: CalibrationFeeds,
  options: WeightCalibrationOptions,
): Promise<Map<string, ActivationStats>> {
  const { targets } = findWeightTargets(buildGraph(readModel(model)));
  const activations = new Map(targets.map((t) => [t.activation, t.k]));
  const progress = stageProgress(options, 'calibrating');
  return collectWeightActivations(model, activations, toBatches(calibration, options.signal), {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    onProgress: (_batches, samples) => progress(samples, undefined),
  });
}

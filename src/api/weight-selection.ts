// What quantizeWeights and `quantize --weights ... --calib` do with calibration data. By default
// (int4, asymmetric) the measured default HQQ, which reads no data (ALGORITHM_DEFAULTS); GPTQ and
// AWQ get statistics of every batch; `--algorithm auto` (select) holds out the last quarter of
// the batches, lets ptq/weight-selection.ts score each candidate (built from the rest) against
// fp32 there, and returns the best one's options with statistics of ALL batches.
import { buildGraph, readModel } from '../onnx/index.js';
import { findWeightTargets } from '../passes/weight-only-targets.js';
import { WEIGHT_DEFAULTS, type Batches, type Feeds, type WeightsOptions } from '../ptq/index.js';
import { ALGORITHM_DEFAULTS } from '../ptq/weight-algorithm.js';
import { collectWeightActivations } from '../ptq/weight-activations.js';
import {
  candidateOptions,
  selectWeightCandidate,
  weightCandidates,
  type WeightSelection,
} from '../ptq/weight-selection.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { splitHeldOut } from './held-out-recipe.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** Options of calibrateWeights besides the recipe's. */
export interface WeightChoiceOptions extends Pick<RunOptions, 'signal' | 'threads' | 'onProgress'> {
  /** Batches `--algorithm auto` holds out to choose on (default a quarter, at least 1). */
  readonly holdout?: number;
}

/**
 * `options` with the int4-with-calibration default's algorithm and reason, or undefined when
 * something asked rules it out (int8, symmetric blocks, an algorithm, auto, GPTQ's options).
 */
export function withInt4Default(options: WeightsOptions): WeightsOptions | undefined {
  const scheme = options.scheme ?? WEIGHT_DEFAULTS.scheme(options.bits);
  const free = options.algorithm === undefined && options.select !== true;
  if (!(options.bits === 4 && scheme === 'asymmetric' && free && options.gptq === undefined)) {
    return undefined;
  }
  const { int4WithCalibration: algorithm, reason } = ALGORITHM_DEFAULTS;
  return { ...options, algorithm, reason: reason.int4WithCalibration };
}

/**
 * `options` ready for runWeightsRecipe given calibration data: the int4 default's algorithm and
 * reason, or the statistics GPTQ and AWQ read, or (select) the candidate measured best on
 * held-out batches with its figures.
 */
export async function calibrateWeights(
  model: Uint8Array,
  calibration: CalibrationFeeds,
  options: WeightsOptions,
  run: WeightChoiceOptions = {},
): Promise<WeightsOptions> {
  const defaulted = withInt4Default(options);
  if (defaulted !== undefined) return defaulted;
  const batches: Feeds[] = [];
  const { targets } = findWeightTargets(buildGraph(readModel(model)));
  const activations = new Map(targets.map((t) => [t.activation, t.k]));
  const progress = stageProgress(run, 'calibrating');
  // Samples run so far: the training split's pass, then the pass over every batch.
  let [before, done] = [0, 0];
  const statsOf = (part: Batches) =>
    collectWeightActivations(model, activations, part, {
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      onProgress: (_batches, n) => progress(before + (done = n), undefined),
    });
  const stream = toBatches(calibration, run.signal);
  if (options.select !== true) return { ...options, statistics: await statsOf(stream) };
  for await (const f of stream) batches.push(f);
  const { train, heldOut } = await splitHeldOut(
    batches,
    { ...(run.holdout === undefined ? {} : { holdout: run.holdout }) },
    '--algorithm auto',
  );
  const trainStats = await statsOf(train);
  before = done;
  const search = stageProgress(run, 'search');
  const { best, scores } = await selectWeightCandidate(
    model,
    options,
    trainStats,
    heldOut,
    weightCandidates(options.scheme ?? WEIGHT_DEFAULTS.scheme(options.bits)),
    {
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      onCandidate: (_score, done, total) => search(done, total),
    },
  );
  checkAborted(run.signal);
  const selection: WeightSelection = {
    chosen: best.label,
    trainBatches: train.length,
    heldOutBatches: heldOut.length,
    candidates: scores,
  };
  // Statistics of every batch, summed in their order: the same bytes as --algorithm asks.
  const statistics = await statsOf(batches);
  return { ...candidateOptions(options, best), statistics, selection };
}

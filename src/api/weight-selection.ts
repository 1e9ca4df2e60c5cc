// What quantizeWeights and `quantize --weights int4 --calib` do with calibration data when no
// --algorithm is given: hold out the last quarter of the batches, let ptq/weight-selection.ts
// score each candidate (built from the rest) against fp32 there, and return the best one's
// options with statistics of ALL batches, so the model written uses every sample (the same
// bytes as asking for that candidate's algorithm and scheme).
// An explicit algorithm, int8, or a single batch skips the choice (the batches then stream).
import { buildGraph, readModel } from '../onnx/index.js';
import { findWeightTargets } from '../passes/weight-only-targets.js';
import type { Batches, Feeds, WeightsOptions } from '../ptq/index.js';
import { collectWeightActivations } from '../ptq/weight-activations.js';
import {
  candidateOptions,
  selectWeightCandidate,
  WEIGHT_CANDIDATES,
  type WeightSelection,
} from '../ptq/weight-selection.js';
import { toBatches, type CalibrationFeeds } from './feeds.js';
import { splitHeldOut } from './held-out-recipe.js';
import { checkAborted, stageProgress, type RunOptions } from './run-options.js';

/** Options of calibrateWeights besides the recipe's. */
export interface WeightChoiceOptions extends Pick<RunOptions, 'signal' | 'threads' | 'onProgress'> {
  /**
   * Choose the algorithm on held-out batches when none is asked for (default: true for int4;
   * int8's candidates differ by less than the held-out set resolves).
   */
  readonly select?: boolean;
  /** Batches held out to choose on (default a quarter of them, at least 1). */
  readonly holdout?: number;
}

/**
 * `options` with the calibration statistics GPTQ and AWQ read added and, unless an algorithm is
 * asked for, the algorithm and scheme measured best on held-out batches (and the figures).
 */
export async function calibrateWeights(
  model: Uint8Array,
  calibration: CalibrationFeeds,
  options: WeightsOptions,
  run: WeightChoiceOptions = {},
): Promise<WeightsOptions> {
  const candidates = WEIGHT_CANDIDATES.filter(
    (c) => options.scheme === undefined || c.scheme === options.scheme,
  );
  const wanted =
    (run.select ?? options.bits === 4) && options.algorithm === undefined && candidates.length > 1;
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
  if (!wanted) return { ...options, statistics: await statsOf(stream) };
  for await (const f of stream) batches.push(f);
  if (batches.length < 2) return { ...options, statistics: await statsOf(batches) };
  const { train, heldOut } = await splitHeldOut(
    batches,
    { ...(run.holdout === undefined ? {} : { holdout: run.holdout }) },
    'the weight algorithm choice',
  );
  const trainStats = await statsOf(train);
  before = done;
  const search = stageProgress(run, 'search');
  const { best, scores } = await selectWeightCandidate(
    model,
    options,
    trainStats,
    heldOut,
    candidates,
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

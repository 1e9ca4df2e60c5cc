// The weight-only recipe's algorithm choice: which of RTN, GPTQ, AWQ and HQQ fills the blocks,
// the measured default (with and without calibration statistics) and the reason the report
// gives, and the one graph step an algorithm takes before the emitters (AWQ's rescaling).
// Not the algorithms (passes/weight-only-*.ts) nor collecting the statistics
// (weight-activations.ts).
import { fail } from '../core/index.js';
import type { Graph } from '../onnx/graph.js';
import type { AlgorithmSpec, WeightAlgorithm } from '../passes/weight-only-algorithms.js';
import { applyAwq, type AwqGroup } from '../passes/weight-only-awq-fold.js';
import type { BlockSpec } from '../passes/weight-only-blocks.js';
import type { GptqOptions } from '../passes/weight-only-gptq.js';
import type { ActivationStats } from '../passes/weight-only-hessian.js';
import type { HqqOptions } from '../passes/weight-only-hqq.js';
import { findWeightTargets, type WeightTarget } from '../passes/weight-only-targets.js';

/** The algorithm options of WeightsOptions. */
export interface WeightAlgorithmOptions {
  /** rtn | gptq | awq | hqq; default: the measured best given statistics, else RTN. */
  readonly algorithm?: WeightAlgorithm;
  /** X^T X and mean |x| per weight input (collectWeightActivations); GPTQ and AWQ need them. */
  readonly statistics?: ReadonlyMap<string, ActivationStats>;
  readonly gptq?: GptqOptions;
  readonly hqq?: HqqOptions;
  /** AWQ's alpha grid (default 0, 0.05, ..., 1). */
  readonly awqGrid?: readonly number[];
  /**
   * Choose the algorithm on held-out calibration batches (`--algorithm auto`); api/'s
   * calibrateWeights does it and sets `algorithm` and `selection`. Needs calibration data.
   */
  readonly select?: boolean;
  /** The held-out figures that chose `algorithm` (api/weight-selection.ts). */
  readonly selection?: WeightSelection;
  /** Why `algorithm` was set when the user did not ask for it (a default the caller applied). */
  readonly reason?: string;
}

/** One candidate's held-out figures (ptq/weight-selection.ts). */
export interface CandidateScore {
  readonly label: string;
  /** Mean top-1 agreement with fp32 over the outputs that hold classes; null when none does. */
  readonly top1: number | null;
  /** The worst output's SQNR against fp32, dB. */
  readonly sqnrDb: number;
  /** Time to build and score it. */
  readonly seconds: number;
}

/** What the choice on held-out calibration batches measured and chose. */
export interface WeightSelection {
  readonly chosen: string;
  readonly trainBatches: number;
  readonly heldOutBatches: number;
  readonly candidates: readonly CandidateScore[];
}

/** Which algorithm ran and why, for the report and `--json`. */
export interface WeightAlgorithmReport {
  readonly name: WeightAlgorithm;
  readonly reason: string;
  readonly gptq?: { readonly damping: number; readonly actOrder: boolean };
  /** AWQ: per activation group, the alpha chosen and how 1/s was applied. */
  readonly awq?: readonly AwqGroup[];
  /** When chosen on held-out calibration batches: every candidate's figures. */
  readonly selection?: WeightSelection;
}

/**
 * The defaults, measured by `npm run bench -- weight-algorithms` (int4 blocks of 32, 32
 * calibration samples, scored on held-out data): GPTQ with act-order when there is calibration
 * data (output SQNR over RTN: recognizer MatMuls +6.7 dB asymmetric / +6.6 dB symmetric, the
 * GPT's logits +4.1 / +3.6 dB, the whole recognizer's output +3.1 / +1.8 dB; AWQ and HQQ gained
 * at most 0.6 dB); RTN without: HQQ, the data-free one, gained 0.3-0.6 dB per layer but lost
 * 1.0-1.3 dB on the whole recognizer's output (docs/design.md has the table).
 * `int4WithCalibration`: what `--weights int4 --calib` writes with asymmetric blocks (api/'s
 * calibrateWeights), measured on held-out accuracy by `npm run bench -- weight-selection`:
 * HQQ kept 100.4 / 99.8 / 101.1 % of fp32 on bert / gpt / vit (recognizer 99.71 %), and, being
 * data-free, does not move with the calibration samples, where GPTQ's vit figure spans
 * 97.5-100.8 % over four 24-sample subsets (98.5 % on all 32, act-order).
 */
export const ALGORITHM_DEFAULTS: Readonly<{
  withStatistics: WeightAlgorithm;
  withoutStatistics: WeightAlgorithm;
  int4WithCalibration: WeightAlgorithm;
  reason: Readonly<{
    withStatistics: string;
    withoutStatistics: string;
    int4WithCalibration: string;
  }>;
  gptq: Readonly<{ damping: number; actOrder: boolean }>;
}> = Object.freeze({
  gptq: { damping: 0.01, actOrder: true },
  withStatistics: 'gptq',
  withoutStatistics: 'rtn',
  int4WithCalibration: 'hqq',
  reason: {
    withStatistics:
      'default with calibration data: GPTQ (act-order) had the least output error on held-out data',
    withoutStatistics: 'default without calibration data',
    int4WithCalibration:
      'default for asymmetric int4 with calibration data: HQQ kept the most held-out accuracy ' +
      'on three transformers and, data-free, does not move with the calibration samples as ' +
      'GPTQ did; --algorithm gptq|awq use the data, --algorithm auto chooses on it',
  },
});

const NEEDS_DATA: readonly WeightAlgorithm[] = ['gptq', 'awq'];

/** The algorithm to run and the reason, failing when GPTQ/AWQ are asked for without data. */
function chooseWeightAlgorithm(options: WeightAlgorithmOptions): {
  name: WeightAlgorithm;
  reason: string;
} {
  const hasStatistics = options.statistics !== undefined;
  if (options.algorithm !== undefined && options.selection !== undefined) {
    return { name: options.algorithm, reason: selectionReason(options.selection) };
  }
  if (options.select === true) {
    fail(
      'bad-argument',
      '--algorithm auto chooses on held-out calibration batches before the recipe runs ' +
        '(quantize --weights --calib PATH, quantizeWeights with calibration); it needs --calib ' +
        'and weight-only --qat does not take it',
    );
  }
  if (options.algorithm !== undefined) {
    if (NEEDS_DATA.includes(options.algorithm) && !hasStatistics) {
      fail(
        'bad-argument',
        `--algorithm ${options.algorithm} needs calibration data (--calib PATH) to see the ` +
          'activations; rtn and hqq need none',
      );
    }
    return { name: options.algorithm, reason: options.reason ?? 'asked for' };
  }
  return hasStatistics
    ? { name: ALGORITHM_DEFAULTS.withStatistics, reason: ALGORITHM_DEFAULTS.reason.withStatistics }
    : {
        name: ALGORITHM_DEFAULTS.withoutStatistics,
        reason: ALGORITHM_DEFAULTS.reason.withoutStatistics,
      };
}

/** "chosen on 8 held-out calibration batches: top-1 100.0 % of fp32's, worst output 24.1 dB". */
function selectionReason(selection: WeightSelection): string {
  const c = selection.candidates.find((x) => x.label === selection.chosen);
  const top1 = c?.top1 == null ? '' : `top-1 agreement ${(c.top1 * 100).toFixed(1)} %, `;
  const db = c === undefined ? '' : `worst output ${c.sqnrDb.toFixed(1)} dB`;
  return (
    `${selection.chosen}, measured best of ${selection.candidates.length} on ` +
    `${selection.heldOutBatches} held-out calibration batch(es): ${top1}${db}`
  );
}

/**
 * Runs the algorithm's graph step (AWQ rescales weights and folds 1/s upstream) and returns the
 * targets to emit (found again after a rewrite), the spec fields the emitters read, the report.
 */
export function prepareWeightAlgorithm(
  graph: Graph,
  targets: readonly WeightTarget[],
  spec: BlockSpec,
  options: WeightAlgorithmOptions,
): { targets: WeightTarget[]; spec: AlgorithmSpec; report: WeightAlgorithmReport } {
  const { name, reason } = chooseWeightAlgorithm(options);
  const selection = options.selection === undefined ? {} : { selection: options.selection };
  const algorithmSpec: AlgorithmSpec = {
    ...spec,
    algorithm: name,
    ...(options.statistics === undefined ? {} : { statistics: options.statistics }),
    ...(options.hqq === undefined ? {} : { hqq: options.hqq }),
  };
  if (name === 'gptq') {
    const gptq = {
      damping: options.gptq?.damping ?? ALGORITHM_DEFAULTS.gptq.damping,
      actOrder: options.gptq?.actOrder ?? ALGORITHM_DEFAULTS.gptq.actOrder,
    };
    const spec = { ...algorithmSpec, gptq };
    return { targets: [...targets], spec, report: { name, reason, gptq, ...selection } };
  }
  if (name !== 'awq')
    return {
      targets: [...targets],
      spec: algorithmSpec,
      report: { name, reason, ...selection },
    };
  const awq = applyAwq(graph, targets, options.statistics!, spec, options.awqGrid);
  const found = findWeightTargets(graph).targets;
  return { targets: found, spec: algorithmSpec, report: { name, reason, awq, ...selection } };
}

// `--algorithm auto`: the weight-only algorithm chosen by measurement per model. Each candidate
// is built from statistics of the training batches, run on the held-out batches, and scored
// against the float model's outputs there (top-1 agreement where outputs are classes, worst
// output SQNR to break ties); the best one's options are returned.
// Not the split (api/ holds batches out) and not the final build (runWeightsRecipe).
import type { Scheme } from '../core/index.js';
import type { WeightAlgorithm } from '../passes/weight-only-algorithms.js';
import type { ActivationStats } from '../passes/weight-only-hessian.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { AgreementTally, type OutputAgreement } from './agreement-tally.js';
import type { Feeds } from './batches.js';
import { runAll } from './output-agreement.js';
import { runWeightsRecipe, type WeightsOptions } from './quantize-weights.js';
import type { CandidateScore, WeightSelection } from './weight-algorithm.js';

export type { CandidateScore, WeightSelection };

/** One candidate: the algorithm options it sets on top of the run's. */
export interface WeightCandidate {
  readonly label: string;
  readonly algorithm: WeightAlgorithm;
  readonly scheme: Scheme;
  readonly actOrder?: boolean;
}

/**
 * The candidates `--algorithm auto` tries, in tie-break order (the earlier wins a tie): the four
 * algorithms in the run's scheme, GPTQ with and without act-order.
 */
export function weightCandidates(scheme: Scheme): WeightCandidate[] {
  const s = scheme === 'asymmetric' ? 'asym' : 'sym';
  return [
    { label: `gptq act-order ${s}`, algorithm: 'gptq', scheme, actOrder: true },
    { label: `gptq ${s}`, algorithm: 'gptq', scheme, actOrder: false },
    { label: `awq ${s}`, algorithm: 'awq', scheme },
    { label: `hqq ${s}`, algorithm: 'hqq', scheme },
    { label: `rtn ${s}`, algorithm: 'rtn', scheme },
  ];
}

/** The candidate's options over `base` (its algorithm, scheme and act-order). */
export function candidateOptions(base: WeightsOptions, c: WeightCandidate): WeightsOptions {
  return {
    ...base,
    select: false,
    algorithm: c.algorithm,
    scheme: c.scheme,
    ...(c.actOrder === undefined ? {} : { gptq: { ...base.gptq, actOrder: c.actOrder } }),
  };
}

/** True when `a` scores better than `b`: more top-1 agreement, then a higher worst SQNR. */
export function scoresBetter(a: CandidateScore, b: CandidateScore): boolean {
  const [ta, tb] = [a.top1 ?? 0, b.top1 ?? 0];
  return ta !== tb ? ta > tb : a.sqnrDb > b.sqnrDb;
}

/**
 * Outputs that hold classes along their last axis: rank 2 ([batch, classes]) or 3 ([batch,
 * steps, classes]: a language model's logits, a recognizer's per-step scores); maps of rank 4
 * and single values do not.
 */
function holdsClasses(t: RuntimeTensor): boolean {
  return (t.dims.length === 2 || t.dims.length === 3) && (t.dims[t.dims.length - 1] ?? 0) >= 2;
}

/** Mean top-1 over the outputs that hold classes, and the worst SQNR over all outputs. */
function score(
  reference: Readonly<Record<string, RuntimeTensor>>,
  agreement: readonly OutputAgreement[],
): { top1: number | null; sqnrDb: number } {
  const tops = agreement
    .filter((a) => a.top1 !== null && reference[a.output] !== undefined)
    .filter((a) => holdsClasses(reference[a.output]!))
    .map((a) => a.top1!);
  const top1 = tops.length === 0 ? null : tops.reduce((p, q) => p + q, 0) / tops.length;
  return { top1, sqnrDb: Math.min(...agreement.map((a) => a.sqnrDb)) };
}

/** Options of selectWeightCandidate. */
export interface SelectionOptions {
  readonly threads?: number;
  /** Called after each candidate with its figures. */
  readonly onCandidate?: (score: CandidateScore, done: number, total: number) => void;
}

/**
 * Builds every candidate from `statistics` (of the training batches), runs each and the float
 * model on `heldOut`, and returns the figures and the best candidate (the earliest on a tie).
 */
export async function selectWeightCandidate(
  model: Uint8Array,
  base: WeightsOptions,
  statistics: ReadonlyMap<string, ActivationStats>,
  heldOut: readonly Feeds[],
  candidates: readonly WeightCandidate[],
  options: SelectionOptions = {},
): Promise<{ readonly best: WeightCandidate; readonly scores: CandidateScore[] }> {
  const run = { threads: options.threads ?? 1 };
  const reference = await runAll(model, heldOut, run);
  const scores: CandidateScore[] = [];
  let best = 0;
  for (const [i, c] of candidates.entries()) {
    const t0 = performance.now();
    const built = runWeightsRecipe(model, { ...candidateOptions(base, c), statistics });
    const outputs = await runAll(built.bytes, heldOut, run);
    const tally = new AgreementTally({ top1: 'last-axis', strict: true });
    reference.forEach((r, j) => tally.add(r, outputs[j]!));
    const figures = score(reference[0]!, tally.result());
    const s = { label: c.label, ...figures, seconds: (performance.now() - t0) / 1000 };
    scores.push(s);
    if (scoresBetter(s, scores[best]!)) best = i;
    options.onCandidate?.(s, i + 1, candidates.length);
  }
  return { best: candidates[best]!, scores };
}

// The end of every quantize run: the variants worth timing for its mode, timed against the fp32
// input and one chosen by --prefer and --max-latency (verdict.ts). Static: the default build,
// the build with integer ops that do not pay off kept float (op-payoff.ts) and, when speed is
// asked for, nothing is fast enough or the default build is not clearly faster than fp32, the
// other recipes' outputs that follow fp32 at least as closely (mode-candidates.ts), then, when
// still nothing is fast enough, the latency-aware placement (latency-placement.ts).
// Weight-only: the run's form and the measured form per MatMul shape (weight-formats.ts).
// Dynamic: its one output. Not the recipes, not reading files or printing.
import { requiredOpset } from '../passes/index.js';
import { writeModel } from '../onnx/index.js';
import {
  prepareModel,
  runWeightsRecipe,
  type StaticOptions,
  type StaticResult,
  type WeightsOptions,
} from '../ptq/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { latencyPlacement } from './latency-placement.js';
import { otherModeCandidates, type ModeCandidates } from './mode-candidates.js';
import { weighIntegerOps, type OpPayoffResult } from './op-payoff.js';
import {
  judgeLatency,
  type Verdict,
  type VerdictCandidate,
  type VerdictOptions,
} from './verdict.js';
import { chooseWeightFormats, type ShapeChoice } from './weight-formats.js';

type Feeds = Readonly<Record<string, RuntimeTensor>>;

/** The chosen model and how it was chosen. */
export interface JudgedModel {
  /** The chosen variant's bytes; the default output when none meets --max-latency. */
  readonly bytes: Uint8Array;
  readonly verdict: Verdict;
}

/** Static: what was weighed besides the verdict. */
export interface StaticJudged extends JudgedModel {
  readonly payoff: OpPayoffResult;
  /** Nodes the latency-aware placement kept float, when it ran. */
  readonly placementFloat?: readonly string[];
  readonly verdict: StaticVerdict;
}

/** A static run's verdict: with the other recipes weighed, when the static variants were slow. */
export interface StaticVerdict extends Verdict {
  readonly modes?: ModeCandidates;
}

/**
 * Timing per comparison: up to 200 interleaved rounds or about 4 s of runs, at least 5 rounds.
 * A small model gets many rounds (the classifier's 1 ms runs: a 7 % gain from float MaxPool was
 * lost in the noise of 12 rounds on a shared machine); the detector's 140 ms runs get fewer.
 */
const TIMING = { runs: 200, budgetMs: 4000 } as const;

/** The default build's latency (x fp32) above which the other recipes are weighed too. */
const OTHER_RECIPES_ABOVE = 0.9;

/**
 * Times the static variants of `result` (built by runStaticRecipe from `fp32` with `options`
 * and alsoCalibrate: weighedExcludes()) on `feeds` and chooses one; `samples` (calibration
 * batches, default `feeds` alone) are what other recipes' outputs must follow fp32 on.
 */
export async function judgeStatic(
  fp32: Uint8Array,
  result: Pick<StaticResult, 'bytes' | 'calibration'>,
  options: StaticOptions,
  feeds: Feeds,
  verdict: VerdictOptions = {},
  samples: readonly Feeds[] = [feeds],
): Promise<StaticJudged> {
  const threads = verdict.threads ?? 1;
  const timing = {
    ...TIMING,
    threads,
    ...(verdict.signal ? { signal: verdict.signal } : {}),
  };
  const cached = { ...options, cache: result.calibration };
  const payoff = await weighIntegerOps(fp32, result.bytes, cached, feeds, timing);
  const candidates: VerdictCandidate[] = [{ label: 'int8', bytes: result.bytes }];
  if (payoff.bytes !== undefined) {
    candidates.push({ label: `int8, ${payoff.exclude.join('/')} float`, bytes: payoff.bytes });
  }
  let judged = await judgeLatency(fp32, candidates, feeds, { ...TIMING, ...verdict });
  const tolerance = 1 + (verdict.tolerance ?? 0.05);
  const wantFaster = () => {
    const chosen = judged.candidates.find((c) => c.label === judged.chosen);
    return (
      verdict.prefer === 'speed' ||
      chosen === undefined ||
      (verdict.prefer !== 'size' && chosen.latency > tolerance)
    );
  };
  // Other recipes when the default build is not clearly faster than fp32 (on batch-1
  // transformers it measured 1.01-1.27x, while the float-op variant hovered about the 5 %
  // line), or when size or speed is asked for outright.
  const int8 = judged.candidates[0]!;
  let modes: ModeCandidates | undefined;
  if (wantFaster() || verdict.prefer === 'size' || int8.latency > OTHER_RECIPES_ABOVE) {
    modes = await otherModeCandidates(fp32, result.bytes, samples, threads);
    if (modes.admitted.length > 0) {
      candidates.push(...modes.admitted);
      judged = await judgeLatency(fp32, candidates, feeds, { ...TIMING, ...verdict });
    }
  }
  let placementFloat: readonly string[] | undefined;
  if (wantFaster()) {
    const { model } = prepareModel(fp32, requiredOpset(options));
    const placed = await latencyPlacement({
      prepared: writeModel(model),
      options:
        payoff.exclude.length === 0
          ? options
          : { ...options, exclude: [...(options.exclude ?? []), ...payoff.exclude] },
      source: { calibration: result.calibration, method: options.method ?? 'percentile' },
      feeds: [feeds],
      threads,
    });
    if (placed.float.length > 0) {
      placementFloat = placed.float;
      candidates.push({ label: `int8, ${placed.float.length} nodes float`, bytes: placed.bytes });
      judged = await judgeLatency(fp32, candidates, feeds, { ...TIMING, ...verdict });
    }
  }
  return {
    bytes: pick(candidates, judged),
    verdict: modes === undefined ? judged : { ...judged, modes },
    payoff,
    ...(placementFloat === undefined ? {} : { placementFloat }),
  };
}

/** Weight-only: the run's output and the per-shape measured forms, timed; one chosen. */
export async function judgeWeights(
  fp32: Uint8Array,
  bytes: Uint8Array,
  options: WeightsOptions,
  feeds: Feeds,
  verdict: VerdictOptions = {},
): Promise<JudgedModel & { readonly shapes: readonly ShapeChoice[] }> {
  const candidates: VerdictCandidate[] = [{ label: `int${options.bits}`, bytes }];
  const { shapes, choices } = await chooseWeightFormats(fp32, options, {
    ...TIMING,
    threads: verdict.threads ?? 1,
  });
  if (Object.keys(choices).length > 0 && options.format === undefined) {
    const mixed = runWeightsRecipe(fp32, { ...options, choices }).bytes;
    candidates.push({ label: `int${options.bits}, form per shape`, bytes: mixed });
    // The contrib form throughout: measured on a GPT-like stack, blocked DequantizeLinear ran at
    // 5.4x fp32 in the whole model while each shape alone fused and ran at 0.5x.
    const nbits = runWeightsRecipe(fp32, { ...options, format: 'matmulnbits' }).bytes;
    candidates.push({ label: `int${options.bits}, MatMulNBits`, bytes: nbits });
  }
  const judged = await judgeLatency(fp32, candidates, feeds, { ...TIMING, ...verdict });
  return { bytes: pick(candidates, judged), verdict: judged, shapes };
}

/** Dynamic (or any single output): the verdict alone. */
export async function judgeOne(
  fp32: Uint8Array,
  bytes: Uint8Array,
  label: string,
  feeds: Feeds,
  verdict: VerdictOptions = {},
): Promise<JudgedModel> {
  const judged = await judgeLatency(fp32, [{ label, bytes }], feeds, { ...TIMING, ...verdict });
  return { bytes, verdict: judged };
}

function pick(candidates: readonly VerdictCandidate[], verdict: Verdict): Uint8Array {
  return (candidates.find((c) => c.label === verdict.chosen) ?? candidates[0]!).bytes;
}

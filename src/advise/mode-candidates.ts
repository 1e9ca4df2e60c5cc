// For a static run whose default build is not clearly faster than fp32: the other recipes' outputs
// for the same model (dynamic int8, activations quantized at run time; int8 weights only) as verdict
// candidates, each admitted only when its outputs follow fp32's on the user's calibration
// samples at least as closely (SQNR of the worst output) as the static default's do, and is at
// most 10 % larger than it (so a recipe that finds nothing to quantize is no candidate). On batch-1
// transformers of a few hundred microseconds, static int8's Q/DQ boundaries cost more than its
// integer kernels save, while dynamic int8's fused kernels do not. Not the timing or the choice
// (verdict.ts), not the recipes.
import { isZeropointError } from '../core/index.js';
import { runDynamicRecipe, runWeightsRecipe, type Batches, type Feeds } from '../ptq/index.js';
import { compareOutputs } from '../ptq/output-agreement.js';
import type { VerdictCandidate } from './verdict.js';

/** Calibration samples the agreement check runs on (the CLI keeps this many batches). */
export const AGREEMENT_SAMPLES = 8;

/**
 * `batches` unchanged, keeping the first `count` in `kept` (as calibration reads them): the
 * verdict times on the first and checks other recipes' agreement on all of them.
 */
export async function* keepSamples(batches: Batches, count: number, kept: Feeds[]) {
  for await (const feeds of batches) {
    if (kept.length < count) kept.push(feeds);
    yield feeds;
  }
}

/** One other recipe's output and how closely it follows fp32. */
export interface ModeCheck {
  readonly label: string;
  /** The worst output's SQNR against fp32 over the samples, dB; undefined when not built. */
  readonly sqnrDb?: number;
  readonly bytes?: number;
  /** Admitted to the verdict: at least the static default's SQNR, at most SIZE_SLACK larger. */
  readonly admitted: boolean;
  /** Why the recipe's output was not built or not run (the error's first line), when so. */
  readonly refused?: string;
}

/** The static default's agreement, each other recipe's, and the admitted candidates. */
export interface ModeCandidates {
  /** The static default's worst-output SQNR against fp32 over the same samples, dB. */
  readonly staticSqnrDb: number;
  readonly samples: number;
  readonly checks: readonly ModeCheck[];
  readonly admitted: readonly VerdictCandidate[];
}

/** How much larger than the static default an admitted output may be. */
const SIZE_SLACK = 0.1;

/** The other recipes, in the order they are tried; each needs no calibration data. */
const OTHER_MODES: readonly { label: string; build: (fp32: Uint8Array) => Uint8Array }[] = [
  { label: 'dynamic int8', build: (fp32) => runDynamicRecipe(fp32).bytes },
  { label: 'int8 weights only', build: (fp32) => runWeightsRecipe(fp32, { bits: 8 }).bytes },
];

async function worstSqnr(
  fp32: Uint8Array,
  bytes: Uint8Array,
  samples: readonly Feeds[],
  threads: number,
): Promise<number> {
  const outputs = await compareOutputs(fp32, bytes, samples, { threads });
  return Math.min(...outputs.map((o) => o.sqnrDb));
}

/**
 * Builds each other recipe's output of `fp32` and admits those whose outputs on `samples` are
 * at least as close to fp32's as `staticBytes`' (the static default build's) and that are at
 * most SIZE_SLACK larger.
 */
export async function otherModeCandidates(
  fp32: Uint8Array,
  staticBytes: Uint8Array,
  samples: readonly Feeds[],
  threads = 1,
): Promise<ModeCandidates> {
  const staticSqnrDb = await worstSqnr(fp32, staticBytes, samples, threads);
  const checks: ModeCheck[] = [];
  const admitted: VerdictCandidate[] = [];
  for (const mode of OTHER_MODES) {
    let bytes: Uint8Array;
    let sqnrDb: number;
    try {
      bytes = mode.build(fp32);
      sqnrDb = await worstSqnr(fp32, bytes, samples, threads);
    } catch (error) {
      // A model the recipe refuses (an op it cannot take), or whose output onnxruntime cannot
      // load or run, is no candidate: the static run goes on without it.
      if (isZeropointError(error, 'aborted')) throw error;
      const message = error instanceof Error ? error.message : String(error);
      checks.push({ label: mode.label, admitted: false, refused: message.split('\n')[0]! });
      continue;
    }
    const ok = sqnrDb >= staticSqnrDb && bytes.length <= staticBytes.length * (1 + SIZE_SLACK);
    checks.push({ label: mode.label, sqnrDb, bytes: bytes.length, admitted: ok });
    if (ok) admitted.push({ label: mode.label, bytes });
  }
  return { staticSqnrDb, samples: samples.length, checks, admitted };
}

// QAT's optimisation loop over a compiled training graph: seeded batches, the objective
// (distillation, or a user's loss: objective.ts), gradient accumulation over micro-batches,
// clipping of gradient-norm spikes, Adam with warm-up + cosine, held-out figures
// (held-out-judge.ts: top-1 agreement, KL, SQNR) measured at the start and every few steps, and
// the best measured parameters restored at the end (keep-best). Not the graph building, the PTQ
// start or the write-back (qat-recipe.ts), and not the optimizer's arithmetic (adam.ts).
import { fail } from '../core/index.js';
import { Adam, learningRate, type AdamParam } from './adam.js';
import type { Top1Rule } from '../ptq/index.js';
import type { DistillLoss } from './distill-loss.js';
import type { TrainingProgram } from './executor.js';
import { beats, HeldOutTally, type HeldOutFigures, type KeepBy } from './held-out-judge.js';
import { distillObjective, programLoss, type Objective } from './objective.js';
import { byShape, joinSamples, seededRandom, shuffledIndices, type Sample } from './samples.js';
import { tensor } from './tensor.js';

/** How the loop runs; every field is decided by the recipe. */
export interface LoopSettings {
  readonly steps: number;
  readonly lr: number;
  /** Samples per micro-batch (one forward + backward). */
  readonly batchSize: number;
  /** Micro-batches summed into each update (an effective batch of batchSize x accumulate). */
  readonly accumulate: number;
  /** A step's gradient norm is capped at clip x the running mean of earlier norms (0: off). */
  readonly clip: number;
  readonly evalEvery: number;
  readonly seed: number;
  readonly loss: DistillLoss;
  /** Softmax temperature of the 'kl-logits' loss (default 1). */
  readonly temperature?: number;
  /**
   * Which held-out figure picks the kept state (default 'auto': KL from the teacher where the
   * outputs have classes, else SQNR; SQNR breaks ties). An objective's held-out loss overrides
   * it.
   */
  readonly keepBy?: KeepBy;
  /** Which outputs have classes for top-1 and KL (default 'distributions'). */
  readonly top1Rule?: Top1Rule;
  /**
   * Replaces `loss` when given (a user's loss module): its gradients train, and its held-out
   * loss, not SQNR, picks the kept state (SQNR is still measured and reported).
   */
  readonly objective?: Objective;
  readonly onStep?: (step: {
    step: number;
    loss: number;
    heldOutSqnr?: number;
    heldOutLoss?: number;
    heldOut?: HeldOutFigures;
  }) => void;
  readonly signal?: AbortSignal;
}

/** What the loop did. */
export interface LoopResult {
  readonly losses: readonly number[];
  /** Whether a loss or an updated parameter was not finite (the parameters are then restored). */
  readonly nan: boolean;
  /**
   * Held-out figures (training graph) before the first step and at the kept step (0: the start);
   * with an objective, `loss` is its held-out loss.
   */
  readonly start: HeldOutFigures;
  readonly best: HeldOutFigures;
  readonly bestStep: number;
  /** Steps whose gradient norm was clipped. */
  readonly clipped: number;
  readonly trainMs: number;
}

/**
 * Held-out figures of the training graph against the teacher's outputs, run `most` samples at a
 * time (a tape-less pass holds every buffer it allocates until it returns).
 */
export function programFigures(
  program: TrainingProgram,
  samples: readonly Sample[],
  outputs: readonly string[],
  rule: Top1Rule = 'distributions',
  most = Infinity,
): HeldOutFigures {
  const tally = new HeldOutTally(rule);
  for (const group of byShape(samples, most)) {
    const { feeds, teacher } = joinSamples(group, outputs);
    const pass = program.forward(feeds, { tape: false });
    const student = Object.fromEntries(
      outputs.map((o) => {
        const y = pass.outputs[o]!;
        return [o, { type: 'float32' as const, dims: y.shape, data: y.data }];
      }),
    );
    tally.add(Object.fromEntries(outputs.map((o) => [o, teacher[o]!])), student);
  }
  return tally.result();
}

/** Loss and summed gradients of one micro-batch, weighted by `weight` (its share of the update). */
function microBatch(
  program: TrainingProgram,
  picked: readonly Sample[],
  outputs: readonly string[],
  objective: Objective,
  weight: number,
  grads: Map<string, Float32Array>,
): number {
  let total = 0;
  for (const group of byShape(picked)) {
    const { feeds } = joinSamples(group, []);
    const pass = program.forward(feeds);
    const share = (weight * group.length) / picked.length;
    const value = objective.evaluate(pass.outputs, group);
    total += value.loss * share;
    const gradOutputs: Record<string, ReturnType<typeof tensor>> = {};
    for (const o of outputs) {
      const g = value.grads[o]!;
      gradOutputs[o] = tensor(
        pass.outputs[o]!.shape,
        g.map((x) => x * share),
      );
    }
    for (const [name, g] of program.backward(pass, gradOutputs)) {
      const sum = grads.get(name);
      // A copy: the executor may hand one buffer to two parameters (an Add's operands).
      if (sum === undefined) grads.set(name, Float32Array.from(g));
      else for (let i = 0; i < g.length; i++) sum[i] = sum[i]! + g[i]!;
    }
  }
  return total;
}

function norm(grads: ReadonlyMap<string, Float32Array>): number {
  let sum = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return Math.sqrt(sum);
}

const snapshot = (params: ReadonlyMap<string, AdamParam>) =>
  new Map([...params].map(([name, p]) => [name, Float32Array.from(p.data)]));

/**
 * Trains `params` (the program's own buffers) on `train`, judging on `heldOut`; on return the
 * parameters hold the best measured state (the start when no measured step beat it).
 */
export function trainLoop(
  program: TrainingProgram,
  params: ReadonlyMap<string, AdamParam>,
  train: readonly Sample[],
  heldOut: readonly Sample[],
  s: LoopSettings,
): LoopResult {
  const outputs = program.outputNames;
  const adam = new Adam(params);
  const order = shuffledIndices(train.length, seededRandom(s.seed));
  const warmup = Math.min(s.steps, Math.max(1, Math.round(s.steps / 10)));
  const losses: number[] = [];
  const started = Date.now();
  const keepBy = s.keepBy ?? 'auto';
  const objective = s.objective ?? distillObjective(s.loss, outputs, s.temperature);
  // A user's loss decides by its held-out value (beats), distillation by keepBy.
  const judge = (): HeldOutFigures => ({
    ...programFigures(program, heldOut, outputs, s.top1Rule, s.batchSize),
    ...(s.objective === undefined
      ? {}
      : { loss: programLoss(program, heldOut, s.objective, s.batchSize) }),
  });
  const start = judge();
  let best = { step: 0, figures: start, values: snapshot(params) };
  let meanNorm = 0;
  let clipped = 0;
  let nan = false;
  for (let step = 0; step < s.steps; step++) {
    if (s.signal?.aborted === true) fail('aborted', 'QAT was aborted');
    const grads = new Map<string, Float32Array>();
    let total = 0;
    for (let k = 0; k < s.accumulate; k++) {
      const picked = Array.from(
        { length: Math.min(s.batchSize, train.length) },
        () => train[order.next().value as number]!,
      );
      const w = 1 / s.accumulate;
      total += microBatch(program, picked, outputs, objective, w, grads);
    }
    losses.push(total);
    const size = norm(grads);
    if (!Number.isFinite(total) || !Number.isFinite(size)) {
      nan = true;
      break;
    }
    if (s.clip > 0 && step > 0 && size > s.clip * meanNorm) {
      const factor = (s.clip * meanNorm) / size;
      for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] = g[i]! * factor;
      clipped++;
    }
    const kept = s.clip > 0 && step > 0 ? Math.min(size, s.clip * meanNorm) : size;
    meanNorm = step === 0 ? size : 0.9 * meanNorm + 0.1 * kept;
    adam.step(grads, learningRate(s.lr, step, s.steps, warmup));
    if (![...params.values()].every((p) => p.data.every(Number.isFinite))) {
      nan = true;
      break;
    }
    const measure = (step + 1) % s.evalEvery === 0 || step + 1 === s.steps;
    const heldOut = measure ? judge() : undefined;
    if (heldOut !== undefined && beats(keepBy, heldOut, best.figures))
      best = { step: step + 1, figures: heldOut, values: snapshot(params) };
    s.onStep?.({
      step: step + 1,
      loss: total,
      ...(heldOut === undefined ? {} : { heldOutSqnr: heldOut.sqnr, heldOut }),
      ...(heldOut?.loss === undefined ? {} : { heldOutLoss: heldOut.loss }),
    });
  }
  for (const [name, values] of best.values) params.get(name)!.data.set(values);
  return {
    losses,
    nan,
    start,
    best: best.figures,
    bestStep: best.step,
    clipped,
    trainMs: Date.now() - started,
  };
}

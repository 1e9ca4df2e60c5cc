// QAT's optimisation loop over a compiled training graph: seeded batches, distillation loss,
// gradient accumulation over micro-batches, clipping of gradient-norm spikes, Adam with warm-up
// + cosine, held-out SQNR measured at the start and every few steps, and the best measured
// parameters restored at the end (keep-best). Not the graph building, the PTQ start or the
// write-back (qat-recipe.ts), and not the optimizer's arithmetic (adam.ts).
import { fail } from '../core/index.js';
import { Adam, learningRate, type AdamParam } from './adam.js';
import { distill, Sqnr, type DistillLoss } from './distill-loss.js';
import type { TrainingProgram } from './executor.js';
import { programLoss, type Objective } from './objective.js';
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
  }) => void;
  readonly signal?: AbortSignal;
}

/** What the loop did. */
export interface LoopResult {
  readonly losses: readonly number[];
  /** Whether a loss or an updated parameter was not finite (the parameters are then restored). */
  readonly nan: boolean;
  /** Held-out SQNR (training graph) before the first step, and the best step's (0: the start). */
  readonly startSqnr: number;
  readonly bestSqnr: number;
  readonly bestStep: number;
  /** With an objective: its held-out loss (training graph) at the start and at the kept step. */
  readonly startLoss?: number;
  readonly bestLoss?: number;
  /** Steps whose gradient norm was clipped. */
  readonly clipped: number;
  readonly trainMs: number;
}

/** Held-out SQNR of the training graph against the teacher's outputs. */
export function programSqnr(
  program: TrainingProgram,
  samples: readonly Sample[],
  outputs: readonly string[],
): number {
  const sqnr = new Sqnr();
  for (const group of byShape(samples)) {
    const { feeds, teacher } = joinSamples(group, outputs);
    const pass = program.forward(feeds, { tape: false });
    for (const o of outputs) sqnr.add(pass.outputs[o]!.data, teacher[o]!.data as Float32Array);
  }
  return sqnr.db;
}

/** Loss and summed gradients of one micro-batch, weighted by `weight` (its share of the update). */
function microBatch(
  program: TrainingProgram,
  picked: readonly Sample[],
  outputs: readonly string[],
  loss: DistillLoss,
  weight: number,
  grads: Map<string, Float32Array>,
  objective?: Objective,
): number {
  let total = 0;
  for (const group of byShape(picked)) {
    const { feeds, teacher } = joinSamples(group, outputs);
    const pass = program.forward(feeds);
    const share = (weight * group.length) / picked.length;
    const gradOutputs: Record<string, ReturnType<typeof tensor>> = {};
    if (objective !== undefined) {
      const value = objective.evaluate(pass.outputs, group);
      total += value.loss * share;
      for (const o of outputs) {
        const y = pass.outputs[o]!;
        gradOutputs[o] = tensor(
          y.shape,
          value.grads[o]!.map((g) => g * share),
        );
      }
    }
    for (const o of objective === undefined ? outputs : []) {
      const y = pass.outputs[o]!;
      const d = distill(loss, y.data, teacher[o]!.data as Float32Array, y.shape);
      total += d.loss * share;
      gradOutputs[o] = tensor(
        y.shape,
        d.grad.map((g) => g * share),
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
  const startSqnr = programSqnr(program, heldOut, outputs);
  const heldLoss = () =>
    s.objective === undefined ? undefined : programLoss(program, heldOut, s.objective);
  const startLoss = heldLoss();
  let best = { step: 0, sqnr: startSqnr, loss: startLoss, values: snapshot(params) };
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
      total += microBatch(program, picked, outputs, s.loss, 1 / s.accumulate, grads, s.objective);
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
    const heldOutSqnr = measure ? programSqnr(program, heldOut, outputs) : undefined;
    const heldOutLoss = measure ? heldLoss() : undefined;
    // A user's loss decides by its held-out value; distillation by held-out SQNR.
    const better =
      heldOutLoss !== undefined
        ? heldOutLoss < best.loss!
        : heldOutSqnr !== undefined && heldOutSqnr > best.sqnr;
    if (better)
      best = { step: step + 1, sqnr: heldOutSqnr!, loss: heldOutLoss, values: snapshot(params) };
    s.onStep?.({
      step: step + 1,
      loss: total,
      ...(heldOutSqnr === undefined ? {} : { heldOutSqnr }),
      ...(heldOutLoss === undefined ? {} : { heldOutLoss }),
    });
  }
  for (const [name, values] of best.values) params.get(name)!.data.set(values);
  return {
    losses,
    nan,
    startSqnr,
    bestSqnr: best.sqnr,
    bestStep: best.step,
    ...(startLoss === undefined ? {} : { startLoss, bestLoss: best.loss! }),
    clipped,
    trainMs: Date.now() - started,
  };
}

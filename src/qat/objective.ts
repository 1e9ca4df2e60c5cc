// What QAT minimises: the distillation loss against the fp32 outputs (distill-loss.ts), or a
// user's loss function (`--loss module.js`, e.g. CTC against labels), called once per sample
// and checked (a finite loss, a finite gradient of each output's length). Also the held-out
// judge that scores model bytes in onnxruntime by SQNR and by the objective's loss.
// Not the loop (train-loop.ts), not loading modules (cli/) and not the keep-best rule.
import { fail } from '../core/index.js';
import { rowsAreDistributions } from '../ptq/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { distill, type DistillLoss } from './distill-loss.js';
import type { TrainingProgram } from './executor.js';
import { judgeModel, type HeldOutFigures } from './held-out-judge.js';
import { byShape, joinSamples, joinTensors, type Sample } from './samples.js';

/** One calibration sample as a loss function sees it. */
export interface LossSample {
  /** Its position in the calibration data: samples counted from 0 over all batches in order. */
  readonly index: number;
  /** Its inputs, each with a leading axis of 1. */
  readonly inputs: Readonly<Record<string, RuntimeTensor>>;
  /** The fp32 model's outputs for it (for a loss that mixes in distillation). */
  readonly reference: Readonly<Record<string, RuntimeTensor>>;
}

/** A model output of one sample: dims with a leading axis of 1, float32 values. */
export interface LossTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A loss function's answer: the loss and dL/d(output) for the outputs it depends on. */
export interface LossValue {
  readonly loss: number;
  /** Per output name, the gradient (same length as the output); an output left out gets none. */
  readonly grad: Readonly<Record<string, Float32Array>>;
}

/** A user's per-sample loss (synchronous: it runs inside the training step). */
export type LossFunction = (
  outputs: Readonly<Record<string, LossTensor>>,
  sample: LossSample,
) => LossValue;

/** Loss and per-output gradient of a batch, averaged over its samples. */
export interface Objective {
  /** 'mse' or 'kl' (distillation), or 'module' (the user's function: its held-out loss decides). */
  readonly kind: DistillLoss | 'module';
  evaluate(
    outputs: Readonly<Record<string, { readonly data: Float32Array }>>,
    samples: readonly Sample[],
  ): { loss: number; grads: Record<string, Float32Array> };
}

/**
 * Distillation against the teacher outputs joined in the same order as `samples` (`temperature`:
 * the 'kl-logits' softmax's).
 */
export function distillObjective(
  kind: DistillLoss,
  outputs: readonly string[],
  temperature = 1,
): Objective {
  return {
    kind,
    evaluate(values, samples) {
      let loss = 0;
      const grads: Record<string, Float32Array> = {};
      for (const o of outputs) {
        const y = values[o]!.data;
        const t = joinTensors(samples.map((s) => s.teacher[o]!)).data as Float32Array;
        const dims = samples[0]!.teacher[o]!.dims;
        const d = distill(kind, y, t, [samples.length, ...dims.slice(1)], temperature);
        loss += d.loss;
        grads[o] = d.grad;
      }
      return { loss, grads };
    },
  };
}

/**
 * The user's `loss` as an objective: called per sample on its slice of each output, the
 * batch's loss and gradients the mean over samples. `source` names the module in errors.
 */
export function moduleObjective(
  loss: LossFunction,
  outputs: readonly string[],
  source = 'the loss function',
): Objective {
  return {
    kind: 'module',
    evaluate(values, samples) {
      const n = samples.length;
      const grads: Record<string, Float32Array> = {};
      for (const o of outputs) grads[o] = new Float32Array(values[o]!.data.length);
      let total = 0;
      samples.forEach((sample, i) => {
        const slices: Record<string, LossTensor> = {};
        for (const o of outputs) {
          const size = values[o]!.data.length / n;
          const dims = sample.teacher[o]!.dims;
          slices[o] = { dims, data: values[o]!.data.slice(i * size, (i + 1) * size) };
        }
        const value = callLoss(loss, slices, sample, source);
        total += value.loss / n;
        for (const [o, g] of Object.entries(value.grad)) {
          const sum = grads[o]!;
          const at = i * g.length;
          for (let k = 0; k < g.length; k++) sum[at + k] = g[k]! / n;
        }
      });
      return { loss: total, grads };
    },
  };
}

/** Calls `loss` and checks its answer: a finite loss, known outputs, right-length finite grads. */
function callLoss(
  loss: LossFunction,
  outputs: Readonly<Record<string, LossTensor>>,
  sample: Sample,
  source: string,
): LossValue {
  const value = loss(outputs, {
    index: sample.index,
    inputs: sample.feeds,
    reference: sample.teacher,
  });
  const at = { sample: sample.index };
  if (typeof value !== 'object' || value === null || typeof value.grad !== 'object')
    fail('bad-argument', `${source} must return { loss, grad } (sample ${sample.index})`, at);
  if (!Number.isFinite(value.loss))
    fail('bad-argument', `${source} returned loss ${value.loss} for sample ${sample.index}`, at);
  for (const [name, g] of Object.entries(value.grad)) {
    const out = outputs[name];
    if (out === undefined)
      fail('bad-argument', `${source} returned a gradient for '${name}', not a model output`, {
        ...at,
        tensor: name,
      });
    if (!(g instanceof Float32Array) || g.length !== out.data.length)
      fail(
        'bad-argument',
        `${source} returned a gradient of length ${(g as { length?: number }).length} for output '${name}' of ${out.data.length} values (sample ${sample.index}); it must be a Float32Array of the output's length`,
        { ...at, tensor: name },
      );
    if (!g.every(Number.isFinite))
      fail(
        'bad-argument',
        `${source} returned a non-finite gradient for output '${name}' (sample ${sample.index})`,
        { ...at, tensor: name },
      );
  }
  return value;
}

/**
 * The objective of a QAT run: `loss` when it is a function (named `name` in errors), else the
 * distillation loss asked for; 'auto' is KL when every teacher output is a distribution along
 * its last axis, else MSE.
 */
export function chooseObjective(
  loss: DistillLoss | 'auto' | LossFunction | undefined,
  samples: readonly Sample[],
  outputs: readonly string[],
  name?: string,
): Objective {
  if (typeof loss === 'function') return moduleObjective(loss, outputs, name);
  if (loss !== undefined && loss !== 'auto') return distillObjective(loss, outputs);
  const all = (t: RuntimeTensor) => rowsAreDistributions(t.dims, t.data as Float32Array);
  const kind = samples.every((s) => outputs.every((o) => all(s.teacher[o]!))) ? 'kl' : 'mse';
  return distillObjective(kind, outputs);
}

/**
 * Held-out figures of a model: output SQNR against fp32, top-1 agreement and KL where outputs
 * are distributions (held-out-judge.ts), and the objective's mean loss.
 */
export interface HeldOutScore extends HeldOutFigures {
  readonly loss: number;
}

/**
 * Scores model `bytes` in onnxruntime on `samples` (one at a time): held-out-judge's figures (the
 * one SQNR the training graph's judge also reports) and `objective`'s mean loss.
 */
export async function judgeBytes(
  bytes: Uint8Array,
  samples: readonly Sample[],
  outputs: readonly string[],
  objective: Objective,
  threads: number,
): Promise<HeldOutScore> {
  let loss = 0;
  const each = (out: Readonly<Record<string, RuntimeTensor>>, s: Sample) => {
    const values = Object.fromEntries(
      outputs.map((o) => [o, { data: out[o]!.data as Float32Array }]),
    );
    loss += objective.evaluate(values, [s]).loss / samples.length;
  };
  const figures = await judgeModel(bytes, samples, outputs, 'distributions', threads, each);
  return { ...figures, loss };
}

/** The objective's mean held-out loss in the training graph (no tape), `most` samples at a time. */
export function programLoss(
  program: TrainingProgram,
  samples: readonly Sample[],
  objective: Objective,
  most = Infinity,
): number {
  let loss = 0;
  for (const group of byShape(samples, most)) {
    const { feeds } = joinSamples(group, []);
    const pass = program.forward(feeds, { tape: false });
    loss += (objective.evaluate(pass.outputs, group).loss * group.length) / samples.length;
  }
  return loss;
}

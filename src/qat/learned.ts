// Which values of a training graph train under each learn mode, and the trained values read
// back as the builder's LearnedValues (float weights and biases, weight scales, activation
// groups' scale and rounded zero point). Not the training loop and not the writing itself:
// buildQuantized writes them into the same QDQ model.
import { forEachRun, layoutOf, type Granularity } from '../core/index.js';
import type { LearnedValues } from '../ptq/index.js';
import type { TrainingProgram } from './executor.js';
import { roundZeroPoint } from './fake-quant.js';
import type { TrainingGraph } from './training-graph.js';

/** What QAT trains: weights and biases, scales and zero points, or both. */
export type LearnMode = 'weights' | 'scales' | 'both';

/** What kind of value a trainable name holds (decides its rate and bounds). */
export type ParamKind = 'weight' | 'bias' | 'scale' | 'zero-point';

/** The trainable names of `training` under `learn`, in a fixed order, with their kinds. */
export function trainableNames(training: TrainingGraph, learn: LearnMode): Map<string, ParamKind> {
  const names = new Map<string, ParamKind>();
  if (learn !== 'scales') {
    for (const w of training.weights.keys()) names.set(w, 'weight');
    for (const b of training.biases) names.set(b, 'bias');
  }
  if (learn !== 'weights') {
    for (const s of training.weights.values()) names.set(s, 'scale');
    for (const site of training.activations) {
      names.set(site.scale, 'scale');
      if (site.learnZeroPoint) names.set(site.zeroPoint, 'zero-point');
    }
  }
  return names;
}

/** The trained values of `program` as buildQuantized's `learned` argument. */
export function learnedValues(
  training: TrainingGraph,
  program: TrainingProgram,
  names: ReadonlyMap<string, ParamKind>,
): LearnedValues {
  const trained = (name: string) => (names.has(name) ? program.params.get(name)?.data : undefined);
  const values = new Map<string, Float32Array>();
  for (const [name, kind] of names) {
    if (kind === 'weight' || kind === 'bias') values.set(name, Float32Array.from(trained(name)!));
  }
  const { graph } = training;
  // Every trained weight keeps the grid it trained on: without its scale the builder would
  // refit one to the new values (a 2 dB gap on the test chain when only weights train).
  const weightScales = new Map<string, Float32Array>();
  for (const [weight, scale] of training.weights) {
    const s = trained(scale);
    if (s !== undefined) weightScales.set(weight, Float32Array.from(s));
    else if (values.has(weight)) {
      const fixed = graph.constantValue(scale)!.data as ArrayLike<number>;
      weightScales.set(weight, Float32Array.from(fixed, Number));
    }
  }
  const groups = new Map<string, { scale: number; zeroPoint: number }>();
  for (const site of training.activations) {
    const s = trained(site.scale);
    const z = trained(site.zeroPoint);
    if (s === undefined && z === undefined) continue;
    const scale = s?.[0] ?? Number(graph.constantValue(site.scale)!.data[0]);
    const zp = z?.[0] ?? Number(graph.constantValue(site.zeroPoint)!.data[0]);
    for (const id of site.groups)
      groups.set(id, { scale: Math.fround(scale), zeroPoint: rounded(site, zp, graph) });
  }
  return { values, weightScales, groups };
}

function rounded(
  site: TrainingGraph['activations'][number],
  zp: number,
  graph: TrainingGraph['graph'],
): number {
  const node = graph.nodes.find((n) => n.input[1] === site.scale && n.opType === 'FakeQuant');
  const qmin = Number(node?.attribute.find((a) => a.name === 'qmin')?.i ?? 0);
  const qmax = Number(node?.attribute.find((a) => a.name === 'qmax')?.i ?? 255);
  return roundZeroPoint(zp, qmin, qmax);
}

/**
 * Per-value rate multipliers of each fake-quantized weight: its group's scale over the median
 * weight scale of the model, so that a weight moves about as far in grid steps as any other
 * (Adam moves every value by about lr a step whatever its grid; on a channel 100x finer than
 * the median that is 100x more rounding flips).
 */
export function weightGridRates(
  training: TrainingGraph,
  program: TrainingProgram,
): Map<string, Float32Array> {
  const { graph } = training;
  const scaleOf = (name: string) =>
    program.params.get(name)?.data ??
    Float32Array.from(graph.constantValue(name)!.data as ArrayLike<number>, Number);
  const all: number[] = [];
  for (const scale of training.weights.values()) all.push(...scaleOf(scale));
  const median = all.sort((a, b) => a - b)[Math.floor(all.length / 2)] ?? 1;
  const rates = new Map<string, Float32Array>();
  for (const [weight, scaleName] of training.weights) {
    const w = program.params.get(weight);
    const node = graph.nodes.find((n) => n.input[0] === weight && n.opType === 'FakeQuant');
    if (w === undefined || node === undefined || !(median > 0)) continue;
    const scale = scaleOf(scaleName);
    const axis = Number(node.attribute.find((a) => a.name === 'axis')?.i ?? 0);
    const granularity: Granularity =
      scale.length === 1 ? { kind: 'per-tensor' } : { kind: 'per-axis', axis };
    const out = new Float32Array(w.data.length);
    forEachRun(layoutOf(w.shape, granularity), granularity, (start, count, group) =>
      out.fill(scale[group]! / median, start, start + count),
    );
    rates.set(weight, out);
  }
  return rates;
}

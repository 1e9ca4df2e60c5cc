// Ranges as static quantization reads them: a clipping method's range for most tensors, but the
// full calibrated range for tensors that reach a graph output through float ops only (logits
// before a final Softmax), since clipping their top flattens the scores the model is read by.
// buildQuantized reads ranges only here, so every recipe and every advisor trial applies the
// same rules. Not calibration itself.
import type { QuantSpec } from '../core/index.js';
import { methodTraits, type ObserverKind, type TensorRange } from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import type { QuantPlan } from '../passes/index.js';
import type { CalibrationResult } from './calibration-result.js';

/** Tensors that reach a graph output through nodes the plan leaves float (outputs included). */
export function nearOutputs(graph: Graph, plan: QuantPlan): Set<string> {
  const float = new Set(plan.nodes.filter((d) => d.status === 'float').map((d) => d.node));
  const seen = new Set<string>();
  const stack = graph.outputs.map((o) => o.name);
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const producer = graph.producer(name);
    if (producer !== undefined && float.has(producer.output[0] ?? '')) {
      stack.push(...producer.input.filter((i) => i !== ''));
    }
  }
  return seen;
}

/** Which tensors staticRanges reads, and how. */
export interface StaticRangeOptions {
  /** Tensors that keep their full range under clipping methods (nearOutputs). */
  readonly near: ReadonlySet<string>;
  /** Read only these tensors (those calibrated among them); default every calibrated tensor. */
  readonly tensors?: readonly string[];
  /** Another method for some tensors than `method`. */
  readonly methods?: Readonly<Record<string, ObserverKind>>;
}

/**
 * The range of each calibrated tensor under `method` (or its entry in `options.methods`) for
 * `spec`, with tensors in `options.near` at their full calibrated range when the method clips.
 */
export function staticRanges(
  calibration: CalibrationResult,
  method: ObserverKind,
  spec: QuantSpec,
  options: StaticRangeOptions,
): Map<string, TensorRange> {
  const ranges = new Map<string, TensorRange>();
  const names = options.tensors ?? [...calibration.observers.keys()];
  for (const name of names) {
    if (!calibration.observers.has(name) || ranges.has(name)) continue;
    const own = options.methods?.[name] ?? method;
    const full = options.near.has(name) && methodTraits(own).clips;
    ranges.set(name, calibration.range(name, { method: full ? 'histogram' : own, spec }));
  }
  return ranges;
}

// Ranges as static quantization reads them: a clipping method's range for most tensors, but the
// full calibrated range for tensors that reach a graph output through float ops only (logits
// before a final Softmax), since clipping their top flattens the scores the model is read by.
// quantize-static.ts and the advisor's variants both read ranges here, so the advisor's trials
// are the models `zeropoint quantize` would write. Not calibration itself.
import type { QuantSpec } from '../core/index.js';
import type { ObserverKind, TensorRange } from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import type { QuantPlan } from '../passes/index.js';
import type { CalibrationResult } from './calibration-result.js';

/** Methods that clip the calibrated range. */
const CLIPPING: ReadonlySet<ObserverKind> = new Set(['percentile', 'entropy', 'mse']);

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

/**
 * Every calibrated tensor's range under `method` for `spec`, with tensors in `near` at their
 * full calibrated range when the method clips.
 */
export function staticRanges(
  calibration: CalibrationResult,
  method: ObserverKind,
  spec: QuantSpec,
  near: ReadonlySet<string>,
): Map<string, TensorRange> {
  const ranges = calibration.ranges({ method, spec });
  if (!CLIPPING.has(method)) return ranges;
  for (const name of near) {
    if (ranges.has(name)) ranges.set(name, calibration.range(name, { method: 'histogram' }));
  }
  return ranges;
}

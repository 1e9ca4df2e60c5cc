// Ranges as static quantization reads them: a clipping method's range for most tensors, but the
// full calibrated range for tensors that reach a graph output through float ops only (logits
// before a final Softmax), since clipping their top flattens the scores the model is read by,
// and for tensors whose clipped range the range guard finds destructive (observers/range-guard).
// buildQuantized reads ranges only here, so every recipe and every advisor trial applies the
// same rules. Not calibration itself.
import type { QuantSpec } from '../core/index.js';
import {
  checkRange,
  HistogramObserver,
  methodTraits,
  type ObserverKind,
  type RangeCheck,
  type TensorRange,
} from '../observers/index.js';
import type { Graph } from '../onnx/graph.js';
import type { QuantPlan } from '../passes/index.js';
import type { CalibrationResult, RangeOptions } from './calibration-result.js';

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
  /** false: keep every clipped range, however it measures (default true: the range guard). */
  readonly rangeGuard?: boolean;
  /** Read with these method options instead of the calibrated observers' own. */
  readonly reading?: Pick<RangeOptions, 'percentile' | 'search'>;
}

/** A tensor whose clipped range the range guard replaced by its calibrated min/max. */
export interface RangeFallback {
  readonly tensor: string;
  /** The method whose range was replaced. */
  readonly method: ObserverKind;
  /** Expected SQNR (dB) on the calibration histogram of that range, and of min/max's. */
  readonly sqnrDb: number;
  readonly minmaxSqnrDb: number;
}

/** The ranges staticRanges read, and the tensors where the guard replaced one. */
export interface StaticRanges {
  readonly ranges: Map<string, TensorRange>;
  readonly fallbacks: RangeFallback[];
}

/** Guard checks already made, by calibration and reading: the advisor builds hundreds of models. */
const checked = new WeakMap<CalibrationResult, Map<string, RangeCheck>>();

/** The range guard's check of `tensor`'s `method` range (undefined: it keeps no histogram). */
function guardCheck(
  calibration: CalibrationResult,
  tensor: string,
  method: ObserverKind,
  spec: QuantSpec,
  reading: StaticRangeOptions['reading'],
): RangeCheck | undefined {
  const observer = calibration.observers.get(tensor);
  if (!(observer instanceof HistogramObserver)) return undefined;
  let memo = checked.get(calibration);
  if (memo === undefined) checked.set(calibration, (memo = new Map<string, RangeCheck>()));
  const key = JSON.stringify([tensor, method, spec, reading]);
  let check = memo.get(key);
  if (check === undefined) {
    check = checkRange(
      observer.snapshot(),
      calibration.range(tensor, { ...reading, method, spec }),
      spec,
    );
    memo.set(key, check);
  }
  return check;
}

/**
 * The range of each calibrated tensor under `method` (or its entry in `options.methods`) for
 * `spec`, at its full calibrated range when the method clips and the tensor is in
 * `options.near` or the range guard finds the clipped range destructive (a fallback).
 */
export function staticRanges(
  calibration: CalibrationResult,
  method: ObserverKind,
  spec: QuantSpec,
  options: StaticRangeOptions,
): StaticRanges {
  const ranges = new Map<string, TensorRange>();
  const fallbacks: RangeFallback[] = [];
  const names = options.tensors ?? [...calibration.observers.keys()];
  for (const name of names) {
    if (!calibration.observers.has(name) || ranges.has(name)) continue;
    const own = options.methods?.[name] ?? method;
    const clips = methodTraits(own).clips;
    let full = clips && options.near.has(name);
    if (clips && !full && options.rangeGuard !== false) {
      const check = guardCheck(calibration, name, own, spec, options.reading);
      if (check?.replaced === true) {
        full = true;
        const { sqnrDb, minmaxSqnrDb } = check;
        fallbacks.push({ tensor: name, method: own, sqnrDb, minmaxSqnrDb });
      }
    }
    const read = { ...options.reading, method: full ? 'histogram' : own, spec } as const;
    ranges.set(name, calibration.range(name, read));
  }
  return { ranges, fallbacks };
}

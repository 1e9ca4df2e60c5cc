// The contract every calibration observer keeps: observe float32 batches, merge with another
// observer of the same kind, serialize to JSON and back, and report a range and parameters.
// Not an implementation (see minmax.ts, ema.ts, histogram-observer.ts) and not the registry.
import { fail, type QParams, type QuantSpec, type Ranges } from '../core/index.js';

/** Calibration method names, as the registry and the CLI spell them. */
export type ObserverKind = 'minmax' | 'ema' | 'histogram' | 'percentile' | 'entropy' | 'mse';

/**
 * How many values an observer has seen, by class. Only finite values enter the statistics;
 * NaN and +-Inf are skipped and counted, so a caller can raise `bad-calibration-data`.
 */
export interface ValueCounts {
  readonly finite: number;
  readonly nan: number;
  readonly infinite: number;
}

/** A per-tensor real range. */
export interface TensorRange {
  readonly min: number;
  readonly max: number;
}

/** A per-tensor range, or one range per channel (core's `Ranges`) for per-axis observers. */
export type ObservedRange = TensorRange | Ranges;

/** The serialized state of an observer: `kind` says which factory reads it back. */
export interface ObserverJSON {
  readonly kind: ObserverKind;
  readonly version: 1;
}

/**
 * A calibration observer. `merge(other)` leaves this observer as if it had also observed
 * everything `other` observed (after its own data, for order-dependent kinds such as ema).
 */
export interface Observer {
  readonly kind: ObserverKind;
  /** Adds a batch x (f32 [shape]); `shape` is required for per-axis observers. */
  observe(x: Float32Array, shape?: readonly number[]): void;
  /**
   * Adds a batch known by its extremes alone: `finite` values, all finite, from `min` to `max`
   * (+Inf and -Inf when there are none); the same as observing the values. Present on per-tensor
   * observers of methods with the `extremes` trait (calibration reduces in onnxruntime for them).
   */
  observeExtremes?(min: number, max: number, finite: number): void;
  merge(other: Observer): void;
  /** The calibrated range; methods that clip depend on `spec` (default DEFAULT_RANGE_SPEC). */
  range(spec?: QuantSpec): ObservedRange;
  /** Scale and zero point for the calibrated range under `spec`. */
  qparams(spec: QuantSpec): QParams;
  counts(): ValueCounts;
  toJSON(): ObserverJSON;
}

/** The spec `range()` assumes when none is given: asymmetric uint8, the usual activation type. */
export const DEFAULT_RANGE_SPEC: QuantSpec = Object.freeze({
  qtype: 'uint8',
  scheme: 'asymmetric',
});

/** True when `r` holds one range per channel. */
export function isPerAxisRange(r: ObservedRange): r is Ranges {
  return typeof r.min !== 'number';
}

/** Fails with `bad-shape` unless `shape` (when given) describes exactly `length` values. */
export function checkShape(length: number, shape: readonly number[] | undefined): void {
  if (shape === undefined) return;
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail('bad-shape', `shape [${shape.join(', ')}] is invalid`);
    n *= d;
  }
  if (n !== length) {
    fail('bad-shape', `tensor has ${length} values but shape [${shape.join(', ')}]`);
  }
}

/** Sum of two counts. */
export function addCounts(a: ValueCounts, b: ValueCounts): ValueCounts {
  return { finite: a.finite + b.finite, nan: a.nan + b.nan, infinite: a.infinite + b.infinite };
}

/** Zero counts. */
export const NO_VALUES: ValueCounts = Object.freeze({ finite: 0, nan: 0, infinite: 0 });

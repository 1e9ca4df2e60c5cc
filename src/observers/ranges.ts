// From per-group min/max state to what callers ask for: an ObservedRange (numbers per tensor,
// Float32Arrays per channel) and core QParams. Shared by minmax and ema; not a statistic itself.
import {
  fail,
  qparamsFromRanges,
  type Granularity,
  type QParams,
  type QuantSpec,
  type Ranges,
} from '../core/index.js';
import { type ObservedRange } from './observer.js';
import { nullableNumbers } from './json-fields.js';

/** Per-group state: one entry per tensor (per-tensor) or per channel (per-axis). */
export interface GroupRanges {
  readonly min: Float32Array;
  readonly max: Float32Array;
}

/** Fresh state for `groups` groups that have seen nothing (+Inf / -Inf). */
export function emptyGroups(groups: number): GroupRanges {
  return {
    min: new Float32Array(groups).fill(Infinity),
    max: new Float32Array(groups).fill(-Infinity),
  };
}

/** The groups' ranges as core Ranges; a group that saw no finite value gets [0, 0]. */
function filledRanges(state: GroupRanges): Ranges {
  return {
    min: Float32Array.from(state.min, (v) => (v === Infinity ? 0 : v)),
    max: Float32Array.from(state.max, (v) => (v === -Infinity ? 0 : v)),
  };
}

/**
 * The observed range of `state`: numbers when `axis` is undefined, arrays otherwise.
 * Empty groups get [0, 0], as core's rangesOf gives an empty group.
 */
export function observedRange(state: GroupRanges, axis: number | undefined): ObservedRange {
  const r = filledRanges(state);
  return axis === undefined ? { min: r.min[0] ?? 0, max: r.max[0] ?? 0 } : r;
}

/** Core QParams for the observed range of `state` under `spec`. */
export function groupQParams(
  state: GroupRanges,
  axis: number | undefined,
  spec: QuantSpec,
): QParams {
  const granularity: Granularity =
    axis === undefined ? { kind: 'per-tensor' } : { kind: 'per-axis', axis };
  return qparamsFromRanges(filledRanges(state), spec, granularity);
}

/** Fails with `bad-shape` unless a batch's group count matches the state's (0 = not yet set). */
export function checkGroups(have: number, got: number, axis: number | undefined): void {
  if (have !== 0 && have !== got) {
    fail('bad-shape', `axis ${axis} has ${got} channels but earlier batches had ${have}`, {
      ...(axis === undefined ? {} : { axis }),
    });
  }
}

/** JSON form of a float32 array whose +-Inf entries mean "empty": null. */
export function groupsToJSON(values: Float32Array): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}

/** Reads back groupsToJSON, `empty` standing in for null. */
export function groupsFromJSON(
  record: Record<string, unknown>,
  key: string,
  empty: number,
): Float32Array {
  return Float32Array.from(nullableNumbers(record, key), (v) => (v === null ? empty : v));
}

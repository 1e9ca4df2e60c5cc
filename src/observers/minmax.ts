// MinMax calibration: the running minimum and maximum of every finite value seen, per tensor
// or per channel, as PyTorch's MinMaxObserver and PerChannelMinMaxObserver keep them.
// Merging is exact and order-free. Not a clipping method: outliers set the range.
import { fail, type QParams, type QuantSpec } from '../core/index.js';
import {
  addCounts,
  checkShape,
  NO_VALUES,
  type ObservedRange,
  type Observer,
  type ObserverJSON,
  type ValueCounts,
} from './observer.js';
import { asRecord, checkHeader, countsField } from './json-fields.js';
import {
  checkGroups,
  emptyGroups,
  groupQParams,
  groupsFromJSON,
  groupsToJSON,
  observedRange,
  type GroupRanges,
} from './ranges.js';
import { extremesScan, scanGroups, type GroupScan } from './scan.js';

/** Options of a MinMax observer: `axis` makes it per-channel along that axis. */
export interface MinMaxOptions {
  readonly axis?: number;
}

/** Serialized MinMax state; `min`/`max` hold one entry per group, null for an empty group. */
export interface MinMaxJSON extends ObserverJSON {
  readonly kind: 'minmax';
  readonly axis: number | null;
  readonly counts: ValueCounts;
  readonly min: (number | null)[];
  readonly max: (number | null)[];
}

/** Running min/max per tensor or per channel. */
export class MinMaxObserver implements Observer {
  readonly kind = 'minmax';
  readonly axis: number | undefined;
  private state: GroupRanges;
  private seen: ValueCounts = NO_VALUES;

  constructor(options: MinMaxOptions = {}) {
    this.axis = options.axis;
    if (this.axis !== undefined && !Number.isInteger(this.axis)) {
      fail('bad-argument', `axis must be an integer, got ${this.axis}`);
    }
    this.state = emptyGroups(this.axis === undefined ? 1 : 0);
  }

  observe(x: Float32Array, shape?: readonly number[]): void {
    checkShape(x.length, shape);
    if (this.axis !== undefined && shape === undefined) {
      fail('bad-shape', 'a per-axis observer needs the shape of each batch');
    }
    this.add(scanGroups(x, shape, this.axis));
  }

  /** Adds a batch known by its extremes (per tensor only); see Observer.observeExtremes. */
  observeExtremes(min: number, max: number, finite: number): void {
    this.add(extremesScan(this.axis, min, max, finite));
  }

  private add(batch: GroupScan): void {
    this.seen = addCounts(this.seen, batch.counts);
    if (this.axis !== undefined) {
      checkGroups(this.state.min.length, batch.min.length, this.axis);
      if (this.state.min.length === 0) this.state = emptyGroups(batch.min.length);
    }
    const { min, max } = this.state;
    for (let g = 0; g < min.length; g++) {
      if (batch.min[g]! < min[g]!) min[g] = batch.min[g]!;
      if (batch.max[g]! > max[g]!) max[g] = batch.max[g]!;
    }
  }

  merge(other: Observer): void {
    if (!(other instanceof MinMaxObserver) || other.axis !== this.axis) {
      fail('bad-argument', `cannot merge a ${other.kind} observer into a minmax one on this axis`);
    }
    const groups = other.state.min.length;
    if (groups > 0) {
      // (A per-axis observer that never observed has no channels yet: nothing to add.)
      checkGroups(this.state.min.length, groups, this.axis);
      if (this.state.min.length === 0) this.state = emptyGroups(groups);
      const { min, max } = this.state;
      for (let g = 0; g < groups; g++) {
        if (other.state.min[g]! < min[g]!) min[g] = other.state.min[g]!;
        if (other.state.max[g]! > max[g]!) max[g] = other.state.max[g]!;
      }
    }
    this.seen = addCounts(this.seen, other.seen);
  }

  /** Exact min and max of the finite values ([0, 0] for a group that saw none). */
  range(): ObservedRange {
    return observedRange(this.state, this.axis);
  }

  qparams(spec: QuantSpec): QParams {
    return groupQParams(this.state, this.axis, spec);
  }

  counts(): ValueCounts {
    return this.seen;
  }

  toJSON(): MinMaxJSON {
    return {
      kind: 'minmax',
      version: 1,
      axis: this.axis ?? null,
      counts: this.seen,
      min: groupsToJSON(this.state.min),
      max: groupsToJSON(this.state.max),
    };
  }

  /** Reads back toJSON's output. */
  static fromJSON(json: unknown): MinMaxObserver {
    const r = asRecord(json, 'minmax observer JSON');
    checkHeader(r, ['minmax']);
    const axis = r.axis === null ? undefined : (r.axis as number);
    const observer = new MinMaxObserver(axis === undefined ? {} : { axis });
    const min = groupsFromJSON(r, 'min', Infinity);
    const max = groupsFromJSON(r, 'max', -Infinity);
    if (min.length !== max.length) fail('bad-argument', 'minmax JSON min and max differ in length');
    observer.state = { min, max };
    observer.seen = countsField(r);
    return observer;
  }
}

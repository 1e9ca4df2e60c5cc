// Moving-average MinMax: each batch's min and max pulled into a running value with weight
// `momentum` (PyTorch's averaging_constant, default 0.01); the first batch initialises it.
// Arithmetic is float32 step by step, as PyTorch's MovingAverage(PerChannel)MinMaxObserver.
// Not order-free: merging appends the other observer's batches after this one's.
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
import { asRecord, checkHeader, countsField, numberField } from './json-fields.js';
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

/** Options of a moving-average observer. */
export interface EmaOptions {
  /** Weight of each new batch, in (0, 1]; PyTorch's default 0.01. */
  readonly momentum?: number;
  readonly axis?: number;
}

/** Serialized moving-average state: value, first batch and batch count per group. */
export interface EmaJSON extends ObserverJSON {
  readonly kind: 'ema';
  readonly axis: number | null;
  readonly momentum: number;
  readonly counts: ValueCounts;
  readonly min: (number | null)[];
  readonly max: (number | null)[];
  readonly firstMin: (number | null)[];
  readonly firstMax: (number | null)[];
  readonly batches: number[];
}

/** Exponential moving average of per-batch min and max, per tensor or per channel. */
export class EmaObserver implements Observer {
  readonly kind = 'ema';
  readonly axis: number | undefined;
  readonly momentum: number;
  private value: GroupRanges;
  private first: GroupRanges;
  private batches: Float64Array;
  private seen: ValueCounts = NO_VALUES;

  constructor(options: EmaOptions = {}) {
    this.axis = options.axis;
    this.momentum = Math.fround(options.momentum ?? 0.01);
    if (!(this.momentum > 0 && this.momentum <= 1)) {
      fail('bad-argument', `momentum must be in (0, 1], got ${options.momentum}`);
    }
    if (this.axis !== undefined && !Number.isInteger(this.axis)) {
      fail('bad-argument', `axis must be an integer, got ${this.axis}`);
    }
    const groups = this.axis === undefined ? 1 : 0;
    this.value = emptyGroups(groups);
    this.first = emptyGroups(groups);
    this.batches = new Float64Array(groups);
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
    this.ensureGroups(batch.min.length);
    const c = this.momentum;
    const { min, max } = this.value;
    for (let g = 0; g < min.length; g++) {
      const lo = batch.min[g]!;
      const hi = batch.max[g]!;
      if (lo === Infinity) continue; // no finite value in this group: the batch does not count
      if (this.batches[g] === 0) {
        min[g] = this.first.min[g] = lo;
        max[g] = this.first.max[g] = hi;
      } else {
        // PyTorch: min_val + averaging_constant * (min_val_cur - min_val), each op in float32.
        min[g] = Math.fround(min[g]! + Math.fround(c * Math.fround(lo - min[g]!)));
        max[g] = Math.fround(max[g]! + Math.fround(c * Math.fround(hi - max[g]!)));
      }
      this.batches[g]!++;
    }
  }

  /**
   * Appends `other`'s batches after this observer's. With d = 1 - momentum and k batches in
   * `other`, running from value v over other's batches x1..xk gives
   * d^k v + c sum d^(k-j) xj = d^k v + other.value - d^k x1, equal up to float rounding.
   */
  merge(other: Observer): void {
    if (
      !(other instanceof EmaObserver) ||
      other.axis !== this.axis ||
      other.momentum !== this.momentum
    ) {
      fail('bad-argument', `cannot merge a ${other.kind} observer into this ema observer`);
    }
    // A per-axis observer that never observed has no channels yet: nothing to add.
    if (other.batches.length > 0) this.ensureGroups(other.batches.length);
    this.seen = addCounts(this.seen, other.seen);
    const d = 1 - this.momentum;
    for (let g = 0; g < this.batches.length; g++) {
      const k = other.batches[g]!;
      if (k === 0) continue;
      if (this.batches[g] === 0) {
        for (const key of ['min', 'max'] as const) {
          this.value[key][g] = other.value[key][g]!;
          this.first[key][g] = other.first[key][g]!;
        }
      } else {
        const dk = d ** k;
        for (const key of ['min', 'max'] as const) {
          const v = this.value[key][g]!;
          this.value[key][g] = dk * v + other.value[key][g]! - dk * other.first[key][g]!;
        }
      }
      this.batches[g]! += k;
    }
  }

  private ensureGroups(groups: number): void {
    checkGroups(this.batches.length, groups, this.axis);
    if (this.batches.length === 0) {
      this.value = emptyGroups(groups);
      this.first = emptyGroups(groups);
      this.batches = new Float64Array(groups);
    }
  }

  /** The moving-average min and max ([0, 0] for a group that saw no finite value). */
  range(): ObservedRange {
    return observedRange(this.value, this.axis);
  }

  qparams(spec: QuantSpec): QParams {
    return groupQParams(this.value, this.axis, spec);
  }

  counts(): ValueCounts {
    return this.seen;
  }

  toJSON(): EmaJSON {
    return {
      kind: 'ema',
      version: 1,
      axis: this.axis ?? null,
      momentum: this.momentum,
      counts: this.seen,
      min: groupsToJSON(this.value.min),
      max: groupsToJSON(this.value.max),
      firstMin: groupsToJSON(this.first.min),
      firstMax: groupsToJSON(this.first.max),
      batches: Array.from(this.batches),
    };
  }

  /** Reads back toJSON's output. */
  static fromJSON(json: unknown): EmaObserver {
    const r = asRecord(json, 'ema observer JSON');
    checkHeader(r, ['ema']);
    const momentum = numberField(r, 'momentum');
    const observer = new EmaObserver(
      r.axis === null ? { momentum } : { momentum, axis: r.axis as number },
    );
    observer.value = {
      min: groupsFromJSON(r, 'min', Infinity),
      max: groupsFromJSON(r, 'max', -Infinity),
    };
    observer.first = {
      min: groupsFromJSON(r, 'firstMin', Infinity),
      max: groupsFromJSON(r, 'firstMax', -Infinity),
    };
    const batches = r.batches;
    if (!Array.isArray(batches) || !batches.every((b) => typeof b === 'number')) {
      fail('bad-argument', 'ema JSON field "batches" must be an array of numbers');
    }
    observer.batches = Float64Array.from(batches);
    const n = observer.batches.length;
    for (const a of [
      observer.value.min,
      observer.value.max,
      observer.first.min,
      observer.first.max,
    ]) {
      if (a.length !== n) fail('bad-argument', 'ema JSON arrays differ in length');
    }
    observer.seen = countsField(r);
    return observer;
  }
}

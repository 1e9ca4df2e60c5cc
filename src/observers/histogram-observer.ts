// The histogram family of observers: one Histogram state read by a range method, so merge and
// JSON are the histogram's and any method can read any histogram. `histogram` reports the exact
// min and max; `percentile`, `entropy` and `mse` clip. Per-tensor only, as in PyTorch.
import { fail, qparamsFromRanges, type QParams, type QuantSpec } from '../core/index.js';
import { entropyRange } from './entropy.js';
import { Histogram, type HistogramOptions, type HistogramSnapshot } from './histogram.js';
import { histogramFromJSON, histogramToJSON, type HistogramJSON } from './histogram-json.js';
import { checkSearch, mseRange, type MseSearch } from './mse.js';
import {
  checkShape,
  DEFAULT_RANGE_SPEC,
  type Observer,
  type ObserverJSON,
  type TensorRange,
  type ValueCounts,
} from './observer.js';
import { asRecord, checkHeader } from './json-fields.js';
import { methodsWith } from './method-traits.js';
import { checkPercentile, DEFAULT_PERCENTILE, percentileRange } from './percentile.js';

/** The methods that read a histogram. */
export type HistogramMethod = 'histogram' | 'percentile' | 'entropy' | 'mse';

/** Options of a histogram-family observer. */
export interface HistogramObserverOptions extends HistogramOptions {
  /** `percentile` only: the percentile kept, 99.99 by default. */
  readonly percentile?: number;
  /** `mse` only: `exhaustive` (default) or PyTorch's greedy `torch` search. */
  readonly search?: MseSearch;
}

/** Serialized histogram-family observer. */
export interface HistogramObserverJSON extends ObserverJSON {
  readonly kind: HistogramMethod;
  readonly percentile: number | null;
  readonly search: MseSearch | null;
  readonly histogram: HistogramJSON;
}

interface MethodOptions {
  readonly percentile: number;
  readonly search: MseSearch;
}

/** Range method per kind: a literal map, so adding a method is one line. */
const RANGE_METHODS = new Map<
  HistogramMethod,
  (s: HistogramSnapshot, spec: QuantSpec, o: MethodOptions) => TensorRange
>([
  ['histogram', (s) => ({ min: s.min, max: s.max })],
  ['percentile', (s, spec, o) => percentileRange(s, spec, o.percentile)],
  ['entropy', (s, spec) => entropyRange(s, spec)],
  ['mse', (s, spec, o) => mseRange(s, spec, o.search)],
]);

/** A histogram observer whose range is chosen by `kind`. */
export class HistogramObserver implements Observer {
  readonly kind: HistogramMethod;
  readonly histogram: Histogram;
  readonly percentile: number | undefined;
  readonly search: MseSearch | undefined;

  /** `histogram`, when given, is the state to wrap (then `bins` and `range` are ignored). */
  constructor(
    kind: HistogramMethod = 'histogram',
    options: HistogramObserverOptions = {},
    histogram?: Histogram,
  ) {
    if (!RANGE_METHODS.has(kind)) fail('bad-argument', `unknown histogram method "${kind}"`);
    this.kind = kind;
    this.histogram = histogram ?? new Histogram(options);
    this.percentile = options.percentile;
    this.search = options.search;
    if (this.percentile !== undefined) checkPercentile(this.percentile);
    if (this.search !== undefined) checkSearch(this.search);
  }

  /** Adds a batch; `shape` is only checked against x's length (the histogram is per tensor). */
  observe(x: Float32Array, shape?: readonly number[]): void {
    checkShape(x.length, shape);
    this.histogram.observe(x);
  }

  /** Merges any histogram-family observer's histogram into this one's. */
  merge(other: Observer): void {
    if (!(other instanceof HistogramObserver)) {
      fail('bad-argument', `cannot merge a ${other.kind} observer into a ${this.kind} one`);
    }
    this.histogram.merge(other.histogram);
  }

  /** The method's range for `spec` (histogram: the exact min and max). */
  range(spec: QuantSpec = DEFAULT_RANGE_SPEC): TensorRange {
    const method = RANGE_METHODS.get(this.kind)!;
    return method(this.histogram.snapshot(), spec, {
      percentile: this.percentile ?? DEFAULT_PERCENTILE,
      search: this.search ?? 'exhaustive',
    });
  }

  qparams(spec: QuantSpec): QParams {
    const r = this.range(spec);
    const ranges = { min: Float32Array.of(r.min), max: Float32Array.of(r.max) };
    return qparamsFromRanges(ranges, spec, { kind: 'per-tensor' });
  }

  counts(): ValueCounts {
    return this.histogram.seen;
  }

  /** The histogram as range methods read it. */
  snapshot(): HistogramSnapshot {
    return this.histogram.snapshot();
  }

  toJSON(): HistogramObserverJSON {
    return {
      kind: this.kind,
      version: 1,
      percentile: this.percentile ?? null,
      search: this.search ?? null,
      histogram: histogramToJSON(this.histogram),
    };
  }

  /** Reads back toJSON's output. */
  static fromJSON(json: unknown): HistogramObserver {
    const r = asRecord(json, 'histogram observer JSON');
    checkHeader(r, methodsWith('histogram'));
    const options: { percentile?: number; search?: MseSearch } = {};
    if (typeof r.percentile === 'number') options.percentile = r.percentile;
    if (typeof r.search === 'string') {
      checkSearch(r.search);
      options.search = r.search;
    }
    return new HistogramObserver(
      r.kind as HistogramMethod,
      options,
      histogramFromJSON(r.histogram),
    );
  }
}

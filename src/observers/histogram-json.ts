// The JSON form of a Histogram, exact in both directions (every number is a float64 that
// JSON.stringify prints so that JSON.parse reads it back bit for bit). Leading and trailing
// empty bins are left out. Not the observer's JSON: histogram-observer.ts wraps this one.
import { fail } from '../core/index.js';
import { Histogram } from './histogram.js';
import { type TensorRange, type ValueCounts } from './observer.js';
import { asRecord, countsField, numberField } from './json-fields.js';

/** Serialized Histogram; `hist` holds bins offset .. offset + hist.length - 1. */
export interface HistogramJSON {
  readonly bins: number;
  readonly counts: ValueCounts;
  /** Exact min and max of the finite values; null when there are none. */
  readonly min: number | null;
  readonly max: number | null;
  readonly fixed: TensorRange | null;
  /** Null while every value seen is equal. */
  readonly lattice: { readonly origin: number; readonly top: number } | null;
  readonly exponent: number;
  readonly start: number;
  readonly offset: number;
  readonly hist: number[];
}

/** The JSON form of `h`. */
export function histogramToJSON(h: Histogram): HistogramJSON {
  let first = 0;
  while (first < h.bins && h.counts[first] === 0) first++;
  let end = h.bins;
  while (end > first && h.counts[end - 1] === 0) end--;
  const empty = h.seen.finite === 0;
  return {
    bins: h.bins,
    counts: h.seen,
    min: empty ? null : h.min,
    max: empty ? null : h.max,
    fixed: h.fixed ?? null,
    lattice: h.lattice === undefined ? null : { origin: h.lattice.origin, top: h.lattice.top },
    exponent: h.grid.exponent,
    start: h.grid.start,
    offset: first,
    hist: Array.from(h.counts.subarray(first, end)),
  };
}

/** Reads back histogramToJSON's output, failing with `bad-argument` on malformed input. */
export function histogramFromJSON(json: unknown): Histogram {
  const r = asRecord(json, 'histogram JSON');
  const bins = numberField(r, 'bins');
  const fixed = r.fixed === null ? undefined : asRange(r.fixed);
  const h = new Histogram(fixed === undefined ? { bins } : { bins, range: fixed });
  h.seen = countsField(r);
  if (h.seen.finite > 0) {
    h.min = numberField(r, 'min');
    h.max = numberField(r, 'max');
    if (!(h.min <= h.max)) fail('bad-argument', 'histogram JSON has min > max');
  }
  if (r.lattice !== null) {
    const l = asRecord(r.lattice, 'histogram JSON field "lattice"');
    const origin = numberField(l, 'origin');
    const top = numberField(l, 'top');
    if (!(origin < top)) fail('bad-argument', 'histogram JSON lattice has origin >= top');
    h.lattice = { origin, top, bins };
  } else if (h.lattice !== undefined) {
    fail('bad-argument', 'histogram JSON with a fixed range must have a lattice');
  }
  const exponent = numberField(r, 'exponent');
  const start = numberField(r, 'start');
  if (!Number.isInteger(exponent) || exponent < 0 || !Number.isInteger(start)) {
    fail('bad-argument', 'histogram JSON grid must have a whole exponent >= 0 and start');
  }
  h.grid = { exponent, start };
  const offset = numberField(r, 'offset');
  const hist = r.hist;
  if (
    !Array.isArray(hist) ||
    !hist.every((c) => typeof c === 'number' && c >= 0) ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset + hist.length > bins
  ) {
    fail('bad-argument', 'histogram JSON "hist" must be non-negative counts within the bins');
  }
  h.counts.set(hist as number[], offset);
  return h;
}

function asRange(json: unknown): TensorRange {
  const r = asRecord(json, 'histogram JSON field "fixed"');
  return { min: numberField(r, 'min'), max: numberField(r, 'max') };
}

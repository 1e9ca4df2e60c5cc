// The outcome of calibration: one observer per tensor, the method and options that made them,
// and a fingerprint of the model and tensor list, serializable whole (the CLI's --cache file).
// Ranges can be read with another method than the one calibrated: the histogram family
// (histogram, percentile, entropy, mse) shares one histogram per tensor, and minmax reads its
// exact extremes, so switching among them needs no new run. Not the calibration loop.
import { fail, type QuantSpec } from '../core/index.js';
import {
  DEFAULT_RANGE_SPEC,
  HistogramObserver,
  isObserverKind,
  isPerAxisRange,
  methodTraits,
  observerFromJSON,
  type HistogramMethod,
  type MseSearch,
  type Observer,
  type ObserverJSON,
  type ObserverKind,
  type ObserverOptions,
  type TensorRange,
} from '../observers/index.js';
import { ChannelMeans, type ChannelMeansJSON } from './channel-means.js';
import type { CalibrationNote } from './expose-tensors.js';

/** How to read ranges from a result; each field defaults to what was calibrated. */
export interface RangeOptions {
  /** The spec clipping methods optimise for (asymmetric uint8 by default). */
  readonly spec?: QuantSpec;
  /** Read with this method instead (see the file comment for which switches work). */
  readonly method?: ObserverKind;
  readonly percentile?: number;
  readonly search?: MseSearch;
}

/** Everything a CalibrationResult holds. */
export interface CalibrationInit {
  /** modelFingerprint of the calibrated model's bytes. */
  readonly model: string;
  /** The requested tensor names, in request order (calibrated or noted). */
  readonly tensors: readonly string[];
  readonly method: ObserverKind;
  readonly options: ObserverOptions;
  readonly observers: ReadonlyMap<string, Observer>;
  readonly batches: number;
  readonly samples: number;
  readonly notes: readonly CalibrationNote[];
  /** Per-channel means of the inputs bias correction reads (absent in older caches). */
  readonly means?: ReadonlyMap<string, ChannelMeans>;
}

/** The JSON form of a CalibrationResult (the calibration cache file). */
export type CalibrationJSON = Omit<CalibrationInit, 'observers' | 'means'> & {
  readonly format: 'zeropoint-calibration';
  readonly version: 1;
  readonly observers: Readonly<Record<string, ObserverJSON>>;
  readonly means?: Readonly<Record<string, ChannelMeansJSON>>;
};

/** One observer per calibrated tensor, with how they were made. */
export class CalibrationResult implements CalibrationInit {
  readonly model: string;
  readonly tensors: readonly string[];
  readonly method: ObserverKind;
  readonly options: ObserverOptions;
  readonly observers: ReadonlyMap<string, Observer>;
  readonly batches: number;
  readonly samples: number;
  readonly notes: readonly CalibrationNote[];
  readonly means: ReadonlyMap<string, ChannelMeans>;
  /** Ranges already read, by tensor and reading: the advisor builds hundreds of variants. */
  readonly #read = new Map<string, TensorRange>();

  constructor(init: CalibrationInit) {
    this.model = init.model;
    this.tensors = [...init.tensors];
    this.method = init.method;
    this.options = init.options;
    this.observers = init.observers;
    this.batches = init.batches;
    this.samples = init.samples;
    this.notes = [...init.notes];
    this.means = init.means ?? new Map();
  }

  /** The per-channel mean of every tensor that has them, by tensor name. */
  channelMeans(): Map<string, Float64Array> {
    return new Map([...this.means].map(([tensor, m]) => [tensor, m.means()]));
  }

  /** The observer of `tensor`; fails with `bad-argument` when it was not calibrated. */
  observer(tensor: string): Observer {
    const observer = this.observers.get(tensor);
    if (observer !== undefined) return observer;
    const note = this.notes.find((n) => n.tensor === tensor);
    const why = note === undefined ? 'it was not requested' : note.reason;
    return fail('bad-argument', `tensor '${tensor}' has no calibration: ${why}`, { tensor });
  }

  /** The calibrated range of `tensor`, read as `options` asks. */
  range(tensor: string, options: RangeOptions = {}): TensorRange {
    const { spec = DEFAULT_RANGE_SPEC, method, percentile, search } = options;
    const key = JSON.stringify([tensor, method, percentile, search, spec]);
    let range = this.#read.get(key);
    if (range === undefined) {
      range = readRange(this.observer(tensor), this.method, options, tensor);
      this.#read.set(key, range);
    }
    return range;
  }

  /** The range of every calibrated tensor, read as `options` asks. */
  ranges(options: RangeOptions = {}): Map<string, TensorRange> {
    const out = new Map<string, TensorRange>();
    for (const tensor of this.observers.keys()) out.set(tensor, this.range(tensor, options));
    return out;
  }

  toJSON(): CalibrationJSON {
    const observers: Record<string, ObserverJSON> = {};
    for (const [tensor, observer] of this.observers) observers[tensor] = observer.toJSON();
    const means: Record<string, ChannelMeansJSON> = {};
    for (const [tensor, m] of this.means) means[tensor] = m.toJSON();
    return {
      format: 'zeropoint-calibration',
      version: 1,
      model: this.model,
      tensors: this.tensors,
      method: this.method,
      options: this.options,
      batches: this.batches,
      samples: this.samples,
      notes: this.notes,
      observers,
      ...(this.means.size === 0 ? {} : { means }),
    };
  }

  /** Reads back toJSON's output (or its JSON.parse); `bad-argument` on anything else. */
  static fromJSON(json: unknown): CalibrationResult {
    const r = asRecord(json, 'calibration cache');
    if (r.format !== 'zeropoint-calibration' || r.version !== 1) {
      fail('bad-argument', 'not a zeropoint calibration cache (format version 1)');
    }
    const method = typeof r.method === 'string' && isObserverKind(r.method) ? r.method : undefined;
    if (method === undefined) {
      fail('bad-argument', `unknown calibration method ${String(r.method)}`);
    }
    const observers = new Map<string, Observer>();
    const saved = asRecord(r.observers, 'calibration cache field "observers"');
    for (const [tensor, observer] of Object.entries(saved)) {
      observers.set(tensor, observerFromJSON(observer));
    }
    const means = new Map<string, ChannelMeans>();
    if (r.means !== undefined) {
      for (const [tensor, m] of Object.entries(asRecord(r.means, 'calibration cache "means"'))) {
        means.set(tensor, ChannelMeans.fromJSON(m));
      }
    }
    return new CalibrationResult({
      model: stringField(r, 'model'),
      tensors: stringsField(r, 'tensors'),
      method,
      options: optionsField(r),
      observers,
      batches: countField(r, 'batches'),
      samples: countField(r, 'samples'),
      notes: notesField(r),
      means,
    });
  }
}

/** The range `observer` (made by `method`) gives when read as `options` asks. */
function readRange(
  observer: Observer,
  method: ObserverKind,
  options: RangeOptions,
  tensor: string,
): TensorRange {
  const spec = options.spec ?? DEFAULT_RANGE_SPEC;
  const wanted = options.method ?? method;
  let range;
  if (observer instanceof HistogramObserver && wanted !== 'ema') {
    const kind: HistogramMethod = wanted === 'minmax' ? 'histogram' : wanted;
    const percentile = options.percentile ?? observer.percentile;
    const search = options.search ?? observer.search;
    const reader = new HistogramObserver(
      kind,
      {
        ...(kind === 'percentile' && percentile !== undefined ? { percentile } : {}),
        ...(kind === 'mse' && search !== undefined ? { search } : {}),
      },
      observer.histogram,
    );
    range = reader.range(spec);
  } else if (wanted === method) {
    range = observer.range(spec);
  } else {
    const needs = methodTraits(wanted).histogram ? 'a histogram' : `its own statistics`;
    return fail(
      'bad-argument',
      `the calibration holds ${method} statistics, but the ${wanted} method needs ${needs}; ` +
        `calibrate again with --method ${wanted}`,
      { tensor },
    );
  }
  if (isPerAxisRange(range)) {
    fail('bad-argument', `tensor '${tensor}' was calibrated per channel`, { tensor });
  }
  return range;
}

function asRecord(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('bad-argument', `${what} is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

function stringField(r: Record<string, unknown>, key: string): string {
  const v = r[key];
  return typeof v === 'string' ? v : fail('bad-argument', `calibration cache lacks "${key}"`);
}

function stringsField(r: Record<string, unknown>, key: string): string[] {
  const v = r[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    fail('bad-argument', `calibration cache field "${key}" must be a list of names`);
  }
  return v;
}

/** The observer options of a cache: only the keys calibrate passes on, with their types. */
function optionsField(r: Record<string, unknown>): ObserverOptions {
  const o = asRecord(r.options, 'calibration cache field "options"');
  const out: { -readonly [K in keyof ObserverOptions]: ObserverOptions[K] } = {};
  for (const [key, value] of Object.entries(o)) {
    if (
      (key === 'bins' || key === 'momentum' || key === 'percentile') &&
      typeof value === 'number'
    ) {
      out[key] = value;
    } else if (key === 'search' && (value === 'exhaustive' || value === 'torch')) {
      out.search = value;
    } else if (key === 'range') {
      const range = asRecord(value, 'calibration cache option "range"');
      if (typeof range.min !== 'number' || typeof range.max !== 'number') {
        fail('bad-argument', 'calibration cache option "range" needs numbers min and max');
      }
      out.range = { min: range.min, max: range.max };
    } else {
      fail('bad-argument', `calibration cache option "${key}" is not understood`);
    }
  }
  return out;
}

function countField(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    fail('bad-argument', `calibration cache field "${key}" must be a count`);
  }
  return v;
}

function notesField(r: Record<string, unknown>): CalibrationNote[] {
  const v = r.notes;
  const ok =
    Array.isArray(v) &&
    v.every((n) => {
      const note = n as Partial<CalibrationNote> | null;
      return typeof note?.tensor === 'string' && typeof note.reason === 'string';
    });
  return ok
    ? (v as CalibrationNote[])
    : fail('bad-argument', 'calibration cache "notes" is malformed');
}

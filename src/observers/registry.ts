// The calibration methods by name: a literal Map from method name to factory, and
// observerFromJSON, which dispatches on a serialized observer's `kind`. Not the CLI: it only
// parses flags into a method name and ObserverOptions and calls these.
import { fail } from '../core/index.js';
import { EmaObserver } from './ema.js';
import { HistogramObserver } from './histogram-observer.js';
import { MinMaxObserver } from './minmax.js';
import type { MseSearch } from './mse.js';
import { type Observer, type ObserverKind, type TensorRange } from './observer.js';
import { asRecord } from './json-fields.js';

/** Every option any method takes; giving one that a method does not take fails. */
export interface ObserverOptions {
  /** minmax, ema: per-channel along this axis. */
  readonly axis?: number;
  /** ema: weight of each new batch (default 0.01). */
  readonly momentum?: number;
  /** histogram family: number of bins (default 2048). */
  readonly bins?: number;
  /** histogram family: the first grid's range, shared by histograms that must merge exactly. */
  readonly range?: TensorRange;
  /** percentile: the percentile kept (default 99.99). */
  readonly percentile?: number;
  /** mse: `exhaustive` (default) or `torch`. */
  readonly search?: MseSearch;
}

/** Fails with `bad-argument` if `options` sets a key that `kind` does not take. */
function only<K extends keyof ObserverOptions>(
  kind: ObserverKind,
  options: ObserverOptions,
  keys: readonly K[],
): Pick<ObserverOptions, K> {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(keys as readonly string[]).includes(key)) {
      fail('bad-argument', `option "${key}" does not apply to the ${kind} method`);
    }
  }
  return options;
}

const HISTOGRAM_KEYS = ['bins', 'range'] as const;

/** Factory per calibration method. */
export const OBSERVERS = new Map<ObserverKind, (options?: ObserverOptions) => Observer>([
  ['minmax', (o = {}) => new MinMaxObserver(only('minmax', o, ['axis']))],
  ['ema', (o = {}) => new EmaObserver(only('ema', o, ['axis', 'momentum']))],
  [
    'histogram',
    (o = {}) => new HistogramObserver('histogram', only('histogram', o, HISTOGRAM_KEYS)),
  ],
  [
    'percentile',
    (o = {}) =>
      new HistogramObserver('percentile', only('percentile', o, [...HISTOGRAM_KEYS, 'percentile'])),
  ],
  ['entropy', (o = {}) => new HistogramObserver('entropy', only('entropy', o, HISTOGRAM_KEYS))],
  ['mse', (o = {}) => new HistogramObserver('mse', only('mse', o, [...HISTOGRAM_KEYS, 'search']))],
]);

/** Readers of serialized observers, by `kind`. */
const FROM_JSON = new Map<ObserverKind, (json: unknown) => Observer>([
  ['minmax', (j) => MinMaxObserver.fromJSON(j)],
  ['ema', (j) => EmaObserver.fromJSON(j)],
  ['histogram', (j) => HistogramObserver.fromJSON(j)],
  ['percentile', (j) => HistogramObserver.fromJSON(j)],
  ['entropy', (j) => HistogramObserver.fromJSON(j)],
  ['mse', (j) => HistogramObserver.fromJSON(j)],
]);

/** True when `name` is a calibration method. */
export function isObserverKind(name: string): name is ObserverKind {
  return OBSERVERS.has(name as ObserverKind);
}

/** A fresh observer for `method`; fails with `bad-argument` on an unknown method or option. */
export function createObserver(method: string, options: ObserverOptions = {}): Observer {
  const create = OBSERVERS.get(method as ObserverKind);
  if (create === undefined) {
    fail(
      'bad-argument',
      `unknown method "${method}"; choose from: ${[...OBSERVERS.keys()].join(', ')}`,
    );
  }
  return create(options);
}

/** The observer a toJSON() output (or its JSON.parse) describes, by its `kind`. */
export function observerFromJSON(json: unknown): Observer {
  const kind = asRecord(json, 'observer JSON').kind;
  const read = typeof kind === 'string' ? FROM_JSON.get(kind as ObserverKind) : undefined;
  if (read === undefined) fail('bad-argument', `observer JSON has unknown kind "${String(kind)}"`);
  return read(json);
}

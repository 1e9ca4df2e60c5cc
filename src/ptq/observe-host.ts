// Where a calibration's observers run. calibrate hands each batch's float32 activations to an
// ObserveHost and takes the observers back at the end. The default host observes in this
// thread; a face may supply one that observes in a worker (cli/: node:worker_threads), so that
// onnxruntime computes batch i+1 while batch i is observed. Both feed the same BatchObservers
// the same batches in the same order, so the statistics are the same bit for bit.
// Not the calibration loop (calibrate.ts) and no environment API: nothing here starts a thread.
import { fail, isZeropointError, type ErrorCode, type ErrorContext } from '../core/index.js';
import {
  createObserver,
  observerFromJSON,
  type Observer,
  type ObserverJSON,
  type ObserverKind,
  type ObserverOptions,
} from '../observers/index.js';
import { ChannelMeans, type ChannelMeansJSON } from './channel-means.js';
import { deriveTensors, type BatchTensor } from './derive-values.js';
import type { DerivedTensor } from './derived-tensors.js';
import type { TensorExtremes } from './reduce-tensors.js';

/** What to observe: the method, and which tensors get an observer and which channel means. */
export interface ObserveSpec {
  readonly method: ObserverKind;
  readonly observerOptions: ObserverOptions;
  readonly observe: readonly string[];
  readonly means: readonly { readonly tensor: string; readonly axis: number }[];
  /** Tensors recomputed from each batch's tensors before observing (none by default). */
  readonly derive?: readonly DerivedTensor[];
}

/**
 * One float32 tensor of a batch; `owned`: the host may take its buffer (detach it). With
 * `extremes`, the tensor came back reduced (reduce-tensors.ts) and `data` is empty.
 */
export interface ObservedTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
  readonly owned: boolean;
  readonly extremes?: TensorExtremes | undefined;
}

/** Observers and channel means after the last batch, by tensor name. */
export interface ObservedState {
  readonly observers: ReadonlyMap<string, Observer>;
  readonly means: ReadonlyMap<string, ChannelMeans>;
}

/** The plain-data form of ObservedState, as it crosses to and from a worker. */
export interface ObservedStateJSON {
  readonly observers: Readonly<Record<string, ObserverJSON>>;
  readonly means: Readonly<Record<string, ChannelMeansJSON>>;
}

/** A coded error as plain data, so a worker's failure is rethrown unchanged. */
export interface ErrorJSON {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: ErrorContext;
}

/**
 * Runs the observers of one calibration. `observe` is called once per batch, in order, each
 * time after the previous call settled; `finish` after the last; `close` always, last.
 */
export interface ObserveHost {
  /** Observes one batch; rejects with the coded error that observing raised. */
  observe(batch: number, tensors: readonly ObservedTensor[]): Promise<void>;
  finish(): Promise<ObservedState>;
  /** Frees what the host holds (a worker); safe to call more than once. */
  close(): Promise<void>;
}

/** Makes the host for one calibration. */
export type ObserveHostFactory = (spec: ObserveSpec) => ObserveHost;

/** The observers of one calibration, fed one batch at a time wherever they run. */
export class BatchObservers {
  readonly observers = new Map<string, Observer>();
  readonly means = new Map<string, ChannelMeans>();
  private readonly derive: readonly DerivedTensor[];
  /** Buffers of the derived tensors, reused from batch to batch. */
  private readonly scratch = new Map<string, Float32Array>();

  constructor(spec: ObserveSpec) {
    this.derive = spec.derive ?? [];
    for (const name of spec.observe) {
      this.observers.set(name, createObserver(spec.method, spec.observerOptions));
    }
    for (const m of spec.means) this.means.set(m.tensor, new ChannelMeans(m.axis));
  }

  /**
   * Adds batch `batch`: the tensors given, then those derived from them; NaN or infinity fails
   * naming tensor and batch.
   */
  observe(batch: number, tensors: readonly ObservedTensor[]): void {
    for (const t of tensors.filter((t) => t.extremes !== undefined)) {
      const { min, max, count } = t.extremes!;
      const observer = this.observers.get(t.name);
      if (observer?.observeExtremes === undefined) {
        fail('bad-argument', `the observer of '${t.name}' cannot take extremes`, {
          tensor: t.name,
        });
      }
      observer.observeExtremes(min, max, count);
    }
    const all = new Map<string, BatchTensor>(
      tensors.filter((t) => t.extremes === undefined).map((t) => [t.name, t]),
    );
    deriveTensors(this.derive, all, this.scratch);
    for (const [name, t] of all) {
      const observer = this.observers.get(name);
      if (observer !== undefined) observeTensor(observer, name, t, batch);
      this.means.get(name)?.observe(t.data, t.dims, name);
    }
  }

  toJSON(): ObservedStateJSON {
    const map = <T extends { toJSON(): unknown }, J>(m: ReadonlyMap<string, T>) =>
      Object.fromEntries([...m].map(([name, v]) => [name, v.toJSON() as J]));
    return {
      observers: map<Observer, ObserverJSON>(this.observers),
      means: map<ChannelMeans, ChannelMeansJSON>(this.means),
    };
  }
}

/** Adds a float32 tensor to its observer; NaN or infinity fails naming tensor and batch. */
function observeTensor(observer: Observer, name: string, t: BatchTensor, batch: number): void {
  const before = observer.counts();
  observer.observe(t.data, t.dims);
  const after = observer.counts();
  const nan = after.nan - before.nan;
  const infinite = after.infinite - before.infinite;
  if (nan + infinite > 0) {
    fail(
      'bad-calibration-data',
      `tensor '${name}' holds ${nan} NaN and ${infinite} infinite value(s) in batch ${batch}`,
      { tensor: name },
    );
  }
}

/** Reads back BatchObservers.toJSON's output. */
export function observedStateFromJSON(json: ObservedStateJSON): ObservedState {
  return {
    observers: new Map(Object.entries(json.observers).map(([n, j]) => [n, observerFromJSON(j)])),
    means: new Map(Object.entries(json.means).map(([n, j]) => [n, ChannelMeans.fromJSON(j)])),
  };
}

/** A coded error as plain data; any other error becomes `bad-calibration-data` with its text. */
export function errorToJSON(error: unknown): ErrorJSON {
  if (isZeropointError(error)) {
    return { code: error.code, message: error.message, context: error.context };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'bad-calibration-data', message: `observing failed: ${message}`, context: {} };
}

/** Throws the error errorToJSON described. */
export function failFromJSON(error: ErrorJSON): never {
  return fail(error.code, error.message, error.context);
}

/** The default host: observes in this thread, when `observe` is called. */
export const inThreadObserveHost: ObserveHostFactory = (spec) => {
  const state = new BatchObservers(spec);
  return {
    observe(batch, tensors) {
      return new Promise((resolve) => {
        state.observe(batch, tensors);
        resolve();
      });
    },
    finish: () => Promise.resolve(state),
    close: () => Promise.resolve(),
  };
};

// Calibration on onnxruntime-node: run a copy of the model whose requested intermediate
// tensors are extra outputs over a stream of batches, and hand each tensor to its observer as
// each batch finishes, then drop it. Memory stays bounded by one batch's activations (tools
// that keep every batch's activations run out of memory on real data sets).
// Not the readers of calibration files (cli/) and not the QDQ rewrite (passes/).
import { fail, isZeropointError } from '../core/index.js';
import {
  createObserver,
  type Observer,
  type ObserverKind,
  type ObserverOptions,
} from '../observers/index.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import { writeModel } from '../onnx/model.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import { rebatch, samplesOf, type Batches, type Feeds } from './batches.js';
import { modelFingerprint } from './calibration-cache.js';
import { CalibrationResult } from './calibration-result.js';
import { ChannelMeans } from './channel-means.js';
import { checkFeeds } from './check-feeds.js';
import { exposeTensors, type CalibrationNote } from './expose-tensors.js';

/** How calibrate observes and runs. */
export interface CalibrateOptions {
  readonly method: ObserverKind;
  /** Options of the method's observers (bins, percentile, momentum, search, range). */
  readonly observerOptions?: ObserverOptions;
  /** Regroups the batches into runs of this many samples (the model must take that batch). */
  readonly batchSize?: number;
  /** Samples expected in all, passed on to onProgress when known. */
  readonly total?: number;
  /** Called after each run with the samples done so far. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** onnxruntime intra-op threads (1 by default). */
  readonly threads?: number;
  /** Called with each batch's feeds after the model ran on them (e.g. to keep one to check with). */
  readonly onBatch?: (feeds: Feeds) => void;
  /** Tensors whose per-channel means to collect too (bias correction), with the channel axis. */
  readonly means?: readonly { readonly tensor: string; readonly axis: number }[];
}

/** Adds a float32 tensor to its observer; NaN or infinity fails naming tensor and batch. */
function observeTensor(observer: Observer, tensor: string, t: RuntimeTensor, batch: number): void {
  const before = observer.counts();
  observer.observe(t.data as Float32Array, t.dims);
  const after = observer.counts();
  const nan = after.nan - before.nan;
  const infinite = after.infinite - before.infinite;
  if (nan + infinite > 0) {
    fail(
      'bad-calibration-data',
      `tensor '${tensor}' holds ${nan} NaN and ${infinite} infinite value(s) in batch ${batch}`,
      { tensor },
    );
  }
}

/**
 * Calibrates `tensorNames` of `model` on `batches` with `options.method`; the caller's model
 * is not modified. Fails with `bad-calibration-data` on empty or non-finite data, with
 * `bad-argument` on a name the model lacks; constant and non-float32 tensors become notes.
 */
export async function calibrate(
  model: Uint8Array | ModelProto,
  tensorNames: readonly string[],
  batches: Batches,
  options: CalibrateOptions,
): Promise<CalibrationResult> {
  const observerOptions = options.observerOptions ?? {};
  if (observerOptions.axis !== undefined) {
    fail('bad-argument', 'activations are calibrated per tensor; drop the axis option');
  }
  createObserver(options.method, observerOptions);
  const bytes = model instanceof Uint8Array ? model : writeModel(model);
  const meanAxes = new Map((options.means ?? []).map((m) => [m.tensor, m.axis]));
  const requested = new Set(tensorNames);
  const exposed = exposeTensors(bytes, [...new Set([...tensorNames, ...meanAxes.keys()])]);
  const notes: CalibrationNote[] = exposed.notes.filter((n) => requested.has(n.tensor));
  const observers = new Map<string, Observer>();
  const means = new Map<string, ChannelMeans>();
  for (const name of [...exposed.fetch, ...exposed.fromFeeds]) {
    if (requested.has(name)) observers.set(name, createObserver(options.method, observerOptions));
    const axis = meanAxes.get(name);
    if (axis !== undefined) means.set(name, new ChannelMeans(axis));
  }
  const skip = (tensor: string, type: string): void => {
    observers.delete(tensor);
    notes.push({ tensor, reason: `${type}, not float32` });
  };
  const session = await openSession(exposed.bytes, options.threads ?? 1);
  let fetch = [...exposed.fetch];
  let samples = 0;
  let batch = 0;
  try {
    const stream = options.batchSize === undefined ? batches : rebatch(batches, options.batchSize);
    for await (const feeds of stream) {
      checkFeeds(feeds, exposed.inputs, samples);
      if (samplesOf(feeds) === 0) continue;
      const outputs = await run(session, feeds, fetch, batch, samples);
      for (const name of [...fetch, ...exposed.fromFeeds]) {
        const observer = observers.get(name);
        const t = outputs[name] ?? feeds[name];
        if (t === undefined) continue;
        if (t.type !== 'float32') {
          means.delete(name);
          if (observer !== undefined) skip(name, t.type);
        } else {
          if (observer !== undefined) observeTensor(observer, name, t, batch);
          means.get(name)?.observe(t.data as Float32Array, t.dims, name);
        }
        delete outputs[name];
      }
      fetch = fetch.filter((name) => observers.has(name) || means.has(name));
      samples += samplesOf(feeds);
      batch++;
      options.onBatch?.(feeds);
      options.onProgress?.(samples, options.total);
    }
  } finally {
    await session.release();
  }
  if (samples === 0) fail('bad-calibration-data', 'no calibration samples');
  return new CalibrationResult({
    model: modelFingerprint(bytes),
    tensors: [...new Set(tensorNames)],
    method: options.method,
    options: observerOptions,
    observers,
    batches: batch,
    samples,
    notes,
    means,
  });
}

/**
 * An onnxruntime session on `bytes`; ORT's "No Op registered" refusal becomes `unsupported-op`
 * naming the op and node, other refusals stay `bad-model`.
 */
async function openSession(bytes: Uint8Array, threads: number): Promise<Session> {
  try {
    return await createSession(bytes, { threads });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const op = /No Op registered for (\S+) with domain_version of (\d+)/.exec(message);
    if (!isZeropointError(error, 'bad-model') || op === null) throw error;
    const node = /In Node, \("([^"]*)"/.exec(message)?.[1];
    return fail(
      'unsupported-op',
      `onnxruntime has no ${op[1]} kernel at opset ${op[2]}` +
        `${node === undefined ? '' : ` (node '${node}')`}; remove or replace the node, ` +
        'or export the model with standard ONNX ops',
      node === undefined ? {} : { node },
    );
  }
}

/** One session run; ORT's own failures become `bad-calibration-data` naming the batch. */
async function run(
  session: Session,
  feeds: Feeds,
  fetch: readonly string[],
  batch: number,
  firstSample: number,
): Promise<Record<string, RuntimeTensor>> {
  // A run must fetch something: with nothing requested, fetch the model's first output.
  const names = fetch.length > 0 ? fetch : session.outputNames.slice(0, 1);
  try {
    return await session.run(feeds, names);
  } catch (error) {
    return fail(
      'bad-calibration-data',
      `onnxruntime failed on batch ${batch} (samples from ${firstSample} on): ` +
        `${(error as Error).message}`,
      { sample: firstSample },
    );
  }
}

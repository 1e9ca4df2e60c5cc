// Calibration on onnxruntime-node: run a copy of the model whose requested intermediate
// tensors are extra outputs over a stream of batches, and hand each batch's tensors to the
// observers (observe-host.ts: in this thread, or a worker a face supplies) while the next batch
// runs, then drop them. Memory stays bounded by two batches' activations (tools that keep
// every batch's activations run out of memory on real data sets).
// Not the readers of calibration files (cli/) and not the QDQ rewrite (passes/).
import { fail, isZeropointError } from '../core/index.js';
import {
  createObserver,
  methodTraits,
  type ObserverKind,
  type ObserverOptions,
} from '../observers/index.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import { writeModel } from '../onnx/model.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import { rebatch, samplesOf, type Batches, type Feeds } from './batches.js';
import { modelFingerprint } from './calibration-cache.js';
import { CalibrationResult } from './calibration-result.js';
import { fetchForSizes, peekBatches } from './calibrate-fetch.js';
import { checkFeeds } from './check-feeds.js';
import type { DerivedTensor } from './derived-tensors.js';
import { exposeTensors, type CalibrationNote } from './expose-tensors.js';
import { readExtremes } from './reduce-tensors.js';
import {
  inThreadObserveHost,
  type ObservedState,
  type ObservedTensor,
  type ObserveHostFactory,
} from './observe-host.js';

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
  /** Where the observers run (this thread by default; a face may supply a worker). */
  readonly observeHost?: ObserveHostFactory;
  /**
   * What is copied out of onnxruntime; every choice gives the same statistics. 'all': every
   * observed tensor. 'shared': a Reshape/Transpose/Squeeze/Unsqueeze/Flatten/Identity of an
   * observed tensor shares its fetch, and for methods that read only extremes (minmax, ema)
   * float32 tensors come back reduced in the graph to four scalars. 'derived': as shared, and
   * the histogram methods' observers also recompute element-wise Add/Sub/Mul/Div, Clip and Relu
   * outputs from fetched tensors: on the recognizer runs + copies fall from 3.6-8.7x to 2.0-2.6x
   * fp32's CPU time, but the arithmetic lands on the observer side; on the classifier (small
   * tensors, cheap to copy) it costs more than it saves (bench calibrate). 'auto':
   * 'shared', switched to 'derived' after the first batch when its fetched tensors are large
   * (calibrate-fetch.ts). Default 'shared': with the faster histogram kernels the worker side
   * is light and deriving overloads it; on the recognizer 'derived' measured better in two runs
   * and worse in one (wall and CPU, load 3-15), on the classifier worse in all.
   */
  readonly fetch?: 'all' | 'shared' | 'derived' | 'auto';
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
  const expose = (fetching: 'all' | 'shared' | 'derived') =>
    exposeTensors(bytes, [...new Set([...tensorNames, ...meanAxes.keys()])], {
      ...(fetching === 'all' ? {} : { derive: fetching === 'shared' ? 'copies' : 'arithmetic' }),
      reduce: fetching !== 'all' && methodTraits(options.method).extremes,
      averaged: new Set(meanAxes.keys()),
    });
  const threads = options.threads ?? 1;
  let stream = options.batchSize === undefined ? batches : rebatch(batches, options.batchSize);
  const auto = options.fetch === 'auto';
  let exposed = expose(options.fetch === undefined || auto ? 'shared' : options.fetch);
  // 'auto': run the first batch fetching as 'shared' and keep that session, or, when its
  // tensors are large, derive instead (extremes methods reduce in the graph: nothing to choose).
  let opened: Session | undefined;
  if (auto && !methodTraits(options.method).extremes) {
    const peeked = await peekBatches(stream);
    stream = peeked.all;
    if (peeked.first !== undefined && samplesOf(peeked.first) > 0) {
      checkFeeds(peeked.first, exposed.inputs, 0);
      opened = await openSession(exposed.bytes, threads);
      const outputs = await run(opened, peeked.first, exposed.fetch, 0, 0).catch(async (e) => {
        await opened!.release();
        throw e;
      });
      const derived = fetchForSizes(outputs) === 'derived' ? expose('derived') : undefined;
      if (derived?.derived.some((d) => d.op !== 'Copy') === true) {
        await opened.release();
        opened = undefined;
        exposed = derived;
      }
    }
  }
  const notes: CalibrationNote[] = exposed.notes.filter((n) => requested.has(n.tensor));
  const reduced = new Map(exposed.reduced.map((r) => [r.tensor, r]));
  const received = exposed.fetch.concat(exposed.fromFeeds, [...reduced.keys()]);
  // Request order, graph inputs last, as when every tensor was fetched (the result's order).
  const index = new Map([...new Set([...tensorNames, ...meanAxes.keys()])].map((n, i) => [n, i]));
  const rank = (n: string) => (exposed.fromFeeds.includes(n) ? index.size : 0) + index.get(n)!;
  const all = received
    .concat(exposed.derived.map((d) => d.tensor).filter((n) => index.has(n)))
    .sort((a, b) => rank(a) - rank(b));
  const inOrder = all.filter((n) => received.includes(n));
  const observed = new Set(all.filter((n) => requested.has(n)));
  const averaged = new Set(all.filter((n) => meanAxes.has(n)));
  const dependents = derivedFrom(exposed.derived);
  const spec = {
    method: options.method,
    observerOptions,
    observe: [...observed],
    means: [...averaged].map((tensor) => ({ tensor, axis: meanAxes.get(tensor)! })),
    derive: exposed.derived,
  };
  // The host first: a worker starts while onnxruntime loads the model.
  const host = (options.observeHost ?? inThreadObserveHost)(spec);
  const session = await (
    opened === undefined ? openSession(exposed.bytes, threads) : Promise.resolve(opened)
  ).catch(async (error) => {
    await host.close();
    throw error;
  });
  let fetch = [...exposed.fetch];
  const reductions = exposed.reduced.flatMap((r) => [r.min, r.max, r.sum, r.size]);
  // A session fetching reduced tensors in full, opened for a batch whose sum is not finite.
  let fallback: Promise<Session> | undefined;
  let samples = 0;
  let batch = 0;
  let state: ObservedState;
  // The float32 tensors of one run, with the run's feeds; non-float32 ones are skipped for good.
  const collect = (outputs: Record<string, RuntimeTensor>, feeds: Feeds): ObservedTensor[] => {
    const tensors: ObservedTensor[] = [];
    for (const name of inOrder) {
      const r = reduced.get(name);
      if (r !== undefined) {
        const extremes = readExtremes(r, outputs);
        tensors.push({ name, dims: [], data: new Float32Array(0), owned: false, extremes });
        continue;
      }
      const t = outputs[name] ?? feeds[name];
      if (t === undefined || !(observed.has(name) || averaged.has(name))) continue;
      if (t.type === 'float32') {
        tensors.push({ name, dims: t.dims, data: t.data as Float32Array, owned: name in outputs });
        continue;
      }
      // Not float32: neither it nor what is derived from it is calibrated.
      for (const n of [name, ...(dependents.get(name) ?? [])]) {
        averaged.delete(n);
        if (observed.delete(n)) notes.push({ tensor: n, reason: `${t.type}, not float32` });
      }
    }
    fetch = fetch.filter((name) => observed.has(name) || averaged.has(name));
    return tensors;
  };
  // Pipelined: run i is issued before batch i - 1 goes to the host, so a host that observes
  // elsewhere (or a runtime that runs elsewhere) overlaps the two; the host sees the batches
  // in order, one at a time, so the statistics do not depend on the host.
  let pending: { batch: number; samples: number; tensors: ObservedTensor[] } | undefined;
  const observePending = async (): Promise<void> => {
    if (pending === undefined) return;
    const { batch: b, samples: done, tensors } = pending;
    pending = undefined;
    await host.observe(b, tensors);
    options.onProgress?.(done, options.total);
  };
  try {
    for await (const feeds of stream) {
      checkFeeds(feeds, exposed.inputs, samples);
      if (samplesOf(feeds) === 0) continue;
      const running = run(session, feeds, fetch.concat(reductions), batch, samples);
      const [observing, ran] = await Promise.allSettled([observePending(), running]);
      if (observing.status === 'rejected') throw observing.reason;
      if (ran.status === 'rejected') throw ran.reason;
      const tensors = collect(ran.value, feeds);
      // A reduced tensor whose sum is not finite is fetched in full: NaN, infinity, or overflow.
      const full = tensors.filter((t) => t.extremes?.finite === false).map((t) => t.name);
      if (full.length > 0) {
        fallback ??= openSession(exposeTensors(bytes, [...reduced.keys()]).bytes, 1);
        const values = await run(await fallback, feeds, full, batch, samples);
        for (const [i, t] of tensors.entries()) {
          const v = values[t.name];
          if (v !== undefined)
            tensors[i] = {
              ...t,
              extremes: undefined,
              data: v.data as Float32Array,
              dims: v.dims,
              owned: true,
            };
        }
      }
      samples += samplesOf(feeds);
      pending = { batch, samples, tensors };
      batch++;
      options.onBatch?.(feeds);
    }
    await observePending();
    state = await host.finish();
  } finally {
    const extra = fallback?.then((s) => s.release());
    await Promise.allSettled([
      host.close(),
      session.release(),
      ...(extra === undefined ? [] : [extra]),
    ]);
  }
  const observers = new Map([...observed].map((name) => [name, state.observers.get(name)!]));
  const means = new Map([...averaged].map((name) => [name, state.means.get(name)!]));
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

/** For each fetched or fed tensor, the derived tensors computed from it (directly or not). */
function derivedFrom(derived: readonly DerivedTensor[]): Map<string, string[]> {
  const sources = new Map<string, Set<string>>();
  for (const d of derived) {
    const inputs =
      d.op === 'Copy' || d.op === 'Clip'
        ? [d.x]
        : [d.a, d.b].flatMap((o) => ('tensor' in o ? [o.tensor] : []));
    sources.set(d.tensor, new Set(inputs.flatMap((i) => [...(sources.get(i) ?? [i])])));
  }
  const dependents = new Map<string, string[]>();
  for (const [tensor, from] of sources) {
    for (const s of from) dependents.set(s, [...(dependents.get(s) ?? []), tensor]);
  }
  return dependents;
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

// Streams of calibration batches: the Feeds type (one tensor per model input), how many
// samples a batch holds, regrouping a stream into batches of a chosen size along the leading
// axis, and picking one shard's batches. Streams stay lazy: at most one batch is held.
// Not reading files (cli/calib-*.ts) and not running a model (calibrate.ts).
import { fail } from '../core/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';

/** One batch: a tensor per model input name; the leading axis counts samples. */
export type Feeds = Readonly<Record<string, RuntimeTensor>>;

/** A stream of batches, sync or async. */
export type Batches = AsyncIterable<Feeds> | Iterable<Feeds>;

type Data = RuntimeTensor['data'];

/** Samples in a batch: the leading size of its first tensor (1 for a scalar or no tensor). */
export function samplesOf(feeds: Feeds): number {
  const first = Object.values(feeds)[0];
  return first === undefined || first.dims.length === 0 ? 1 : first.dims[0]!;
}

function slice(t: RuntimeTensor, from: number, to: number): RuntimeTensor {
  const inner = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return {
    type: t.type,
    dims: [to - from, ...t.dims.slice(1)],
    data: t.data.subarray(from * inner, to * inner),
  };
}

function concat(parts: readonly RuntimeTensor[]): RuntimeTensor {
  const first = parts[0]!;
  const length = parts.reduce((n, p) => n + p.data.length, 0);
  // Every part has the same array class (same `type`); `set` copies within that class.
  const Make = first.data.constructor as new (n: number) => Data;
  const data = new Make(length);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  const samples = parts.reduce((n, p) => n + p.dims[0]!, 0);
  return { type: first.type, dims: [samples, ...first.dims.slice(1)], data };
}

function sameInner(a: Feeds, b: Feeds): boolean {
  return Object.entries(a).every(([name, t]) => {
    const u = b[name];
    return (
      u !== undefined && u.type === t.type && u.dims.slice(1).join() === t.dims.slice(1).join()
    );
  });
}

/**
 * Regroups `batches` into batches of `size` samples along the leading axis of every input.
 * A batch whose inputs differ in trailing shape from the pending ones closes the pending batch
 * early (variable-width inputs give smaller batches, never a failure).
 */
export async function* rebatch(batches: Batches, size: number): AsyncGenerator<Feeds> {
  if (!Number.isInteger(size) || size < 1) {
    fail('bad-argument', `batch size must be a positive integer, got ${size}`);
  }
  let pending: Feeds[] = [];
  let count = 0;
  const flush = (): Feeds => {
    const names = Object.keys(pending[0]!);
    const out =
      pending.length === 1
        ? pending[0]!
        : Object.fromEntries(names.map((n) => [n, concat(pending.map((f) => f[n]!))]));
    pending = [];
    count = 0;
    return out;
  };
  for await (const feeds of batches) {
    const tensors = Object.entries(feeds);
    const n = samplesOf(feeds);
    if (tensors.some(([, t]) => t.dims.length === 0 || t.dims[0] !== n)) {
      fail(
        'bad-calibration-data',
        'cannot regroup a batch whose inputs differ in leading size; use batch size 1',
      );
    }
    if (pending.length > 0 && !sameInner(pending[0]!, feeds)) yield flush();
    for (let at = 0; at < n;) {
      const take = Math.min(size - count, n - at);
      const part =
        take === n
          ? feeds
          : Object.fromEntries(tensors.map(([k, t]) => [k, slice(t, at, at + take)]));
      pending.push(part);
      count += take;
      at += take;
      if (count === size) yield flush();
    }
  }
  if (pending.length > 0) yield flush();
}

/** The batches of shard `index` (0-based) of `count`: every count-th batch from `index` on. */
export async function* shardBatches(
  batches: Batches,
  index: number,
  count: number,
): AsyncGenerator<Feeds> {
  if (
    !Number.isInteger(count) ||
    count < 1 ||
    !Number.isInteger(index) ||
    index < 0 ||
    index >= count
  ) {
    fail(
      'bad-argument',
      `shard ${index}/${count} is not one of 0/${count} .. ${count - 1}/${count}`,
    );
  }
  let i = 0;
  for await (const feeds of batches) {
    if (i++ % count === index) yield feeds;
  }
}

// Calibration feeds as the public API takes them: an array or (async) iterable of batches, each
// a record of input name -> tensor, where a tensor is onnxruntime's Tensor or any plain
// `{ type, dims, data }`. Checks each tensor's type against its data and checks the AbortSignal
// before every batch. Not reading files (cli/ and the readers do) and not running a model (ptq/).
import { fail } from '../core/index.js';
import type { Feeds } from '../ptq/index.js';
import type { RuntimeTensor, RuntimeType } from '../runtime/onnxruntime.js';
import { checkAborted } from './run-options.js';

/**
 * A tensor fed to the model: onnxruntime's `Tensor` fits, as does a plain object. `type` is an
 * onnxruntime element type name ('float32', 'int64', ...), `dims` the shape, `data` the typed
 * array of that type (float32: Float32Array, int64: BigInt64Array, float16: Uint16Array, bool:
 * Uint8Array).
 */
export interface TensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** One batch: a tensor per model input name; the leading axis counts samples. */
export type FeedsLike = Readonly<Record<string, TensorLike>>;

/** Calibration data: batches in an array, or streamed by a (sync or async) iterable. */
export type CalibrationFeeds =
  readonly FeedsLike[] | Iterable<FeedsLike> | AsyncIterable<FeedsLike>;

/** The typed-array class each element type's data must be. */
const DATA_CLASSES: Readonly<
  Record<RuntimeType, abstract new (n: number) => RuntimeTensor['data']>
> = {
  float32: Float32Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

function isRuntimeType(type: string): type is RuntimeType {
  return Object.hasOwn(DATA_CLASSES, type);
}

/** `t` as the runtime's tensor; fails naming the input and batch when type, data or dims disagree. */
function toRuntimeTensor(t: TensorLike, input: string, batch: number): RuntimeTensor {
  const where = `input '${input}' of batch ${batch}`;
  const dims: unknown = typeof t === 'object' && t !== null ? t.dims : undefined;
  if (!Array.isArray(dims)) {
    fail('bad-calibration-data', `${where} is not a tensor { type, dims, data }`, { input });
  }
  if (!isRuntimeType(t.type)) {
    fail(
      'bad-calibration-data',
      `${where} has element type '${String(t.type)}'; ` +
        `takes ${Object.keys(DATA_CLASSES).join(', ')}`,
      { input },
    );
  }
  const Class = DATA_CLASSES[t.type];
  if (!(t.data instanceof Class)) {
    fail('bad-calibration-data', `${where}: ${t.type} data must be a ${Class.name}`, { input });
  }
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (!t.dims.every((d) => Number.isInteger(d) && d >= 0) || size !== t.data.length) {
    fail(
      'bad-calibration-data',
      `${where}: dims [${t.dims.join(', ')}] do not match its ${t.data.length} values`,
      { input },
    );
  }
  return { type: t.type, dims: t.dims, data: t.data };
}

/** One batch as the recipes take it. */
export function toFeeds(feeds: FeedsLike, batch: number): Feeds {
  if (typeof feeds !== 'object' || feeds === null) {
    fail('bad-calibration-data', `batch ${batch} is not a record of input name -> tensor`);
  }
  return Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [name, toRuntimeTensor(t, name, batch)]),
  );
}

/** The feeds as the recipes' batches, checked one by one; the signal is checked before each. */
export async function* toBatches(
  feeds: CalibrationFeeds,
  signal: AbortSignal | undefined,
): AsyncGenerator<Feeds> {
  let batch = 0;
  checkAborted(signal);
  for await (const f of feeds) {
    if (signal !== undefined) await nextTask();
    checkAborted(signal);
    yield toFeeds(f, batch++);
  }
  checkAborted(signal);
}

/**
 * Waits for the event loop's next task: a batch whose feeds and runs resolve as microtasks would
 * otherwise never let a worker's message handler see the abort (the studio's cancel button).
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Batches in `feeds` when it can tell (an array), else undefined. */
export function batchCount(feeds: CalibrationFeeds): number | undefined {
  return Array.isArray(feeds) ? feeds.length : undefined;
}

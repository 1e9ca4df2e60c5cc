// CalibrateOptions.fetch 'auto' (opt-in): recompute element-wise tensors on the observer side
// ('derived') when the model's activations are large, fetch them ('shared') when they are
// small. Copying an output out of onnxruntime-node measured about 2 ns a value on the
// classifier's small tensors and up to 6.5 on the recognizer's large ones (fresh zero-filled
// buffers; the figure swings 2x from run to run with the allocator's state), recomputing 2-4 ns
// either way. Both modes give the same statistics. Not the fetching itself, and not the default:
// whether deriving pays also depends on how loaded the observer worker already is.
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import type { Batches, Feeds } from './batches.js';

/** Mean float32 values per fetched tensor from which deriving pays: 128 KB, glibc's mmap threshold. */
export const DERIVE_FROM_VALUES = 32768;

/** 'derived' when the float32 outputs of a run average DERIVE_FROM_VALUES values or more. */
export function fetchForSizes(
  outputs: Readonly<Record<string, RuntimeTensor>>,
): 'derived' | 'shared' {
  const sizes = Object.values(outputs)
    .filter((t) => t.type === 'float32')
    .map((t) => t.data.length);
  if (sizes.length === 0) return 'shared';
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  return mean >= DERIVE_FROM_VALUES ? 'derived' : 'shared';
}

/** The first batch of `batches` (undefined when there is none) and a stream of all of them. */
export async function peekBatches(
  batches: AsyncIterable<Feeds> | Iterable<Feeds>,
): Promise<{ first: Feeds | undefined; all: Batches }> {
  const iterator =
    Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  const head = await iterator.next();
  if (head.done === true) return { first: undefined, all: [] };
  async function* all(): AsyncGenerator<Feeds> {
    yield head.value;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      yield next.value;
    }
  }
  return { first: head.value, all: all() };
}

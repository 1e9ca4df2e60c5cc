// The statistics SmoothQuant needs: per-channel max |x| over the last axis of chosen activations,
// observed on the float model over calibration batches with the per-channel MinMax observer.
// A separate run from calibration because calibration then observes the smoothed graph.
// Not the rewrite (passes/smooth-quant.ts) nor the choice of alpha (smooth-recipe.ts).
import { fail } from '../core/index.js';
import { isPerAxisRange, MinMaxObserver } from '../observers/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import type { Feeds } from './batches.js';
import { checkFeeds } from './check-feeds.js';
import { exposeTensors } from './expose-tensors.js';

/** Per-channel max |x| (last axis) of each of `tensors` of the float model `bytes`. */
export async function channelAbsMax(
  bytes: Uint8Array,
  tensors: readonly string[],
  batches: readonly Feeds[],
  threads = 1,
): Promise<Map<string, Float64Array>> {
  const exposed = exposeTensors(bytes, tensors);
  const observers = new Map<string, MinMaxObserver>();
  const session = await createSession(exposed.bytes, { threads });
  let samples = 0;
  try {
    for (const feeds of batches) {
      checkFeeds(feeds, exposed.inputs, samples);
      const out = exposed.fetch.length === 0 ? {} : await session.run(feeds, exposed.fetch);
      for (const name of [...exposed.fetch, ...exposed.fromFeeds]) {
        const t = out[name] ?? feeds[name];
        if (t === undefined || t.type !== 'float32' || t.dims.length === 0) continue;
        let observer = observers.get(name);
        if (observer === undefined) {
          observer = new MinMaxObserver({ axis: t.dims.length - 1 });
          observers.set(name, observer);
        }
        observer.observe(t.data as Float32Array, t.dims);
      }
      samples += 1;
    }
  } finally {
    await session.release();
  }
  if (samples === 0) fail('bad-calibration-data', 'SmoothQuant needs calibration samples');
  const result = new Map<string, Float64Array>();
  for (const [name, observer] of observers) {
    const range = observer.range();
    if (!isPerAxisRange(range)) continue;
    result.set(
      name,
      Float64Array.from(range.min, (lo, c) => Math.max(Math.abs(lo), Math.abs(range.max[c]!))),
    );
  }
  return result;
}

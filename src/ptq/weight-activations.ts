// The statistics GPTQ and AWQ need: for each MatMul/Gemm weight's input activation, X^T X and
// mean |x| per channel (last axis), accumulated over every row of every calibration batch of
// the float model (the tensors exposed as outputs, as calibration does). Memory: K x K float64
// per activation and one batch's tensors. Not the algorithms (passes/weight-only-*.ts).
import { fail } from '../core/index.js';
import { ActivationAccumulator, type ActivationStats } from '../passes/weight-only-hessian.js';
import { createSession } from '../runtime/onnxruntime.js';
import { samplesOf, type Batches } from './batches.js';
import { checkFeeds } from './check-feeds.js';
import { exposeTensors } from './expose-tensors.js';

/** Options of collectWeightActivations. */
export interface WeightActivationOptions {
  /** onnxruntime intra-op threads (1 by default). */
  readonly threads?: number;
  /** Called after each batch with the batches and samples done so far. */
  readonly onProgress?: (batches: number, samples: number) => void;
}

/**
 * X^T X and mean |x| of each of `activations` (name -> its channel count K) over `batches`.
 * Fails with `bad-calibration-data` on no samples or a tensor whose last axis is not K.
 */
export async function collectWeightActivations(
  bytes: Uint8Array,
  activations: ReadonlyMap<string, number>,
  batches: Batches,
  options: WeightActivationOptions = {},
): Promise<Map<string, ActivationStats>> {
  const exposed = exposeTensors(bytes, [...activations.keys()]);
  const accumulators = new Map<string, ActivationAccumulator>();
  const session = await createSession(exposed.bytes, { threads: options.threads ?? 1 });
  let samples = 0;
  let batch = 0;
  try {
    for await (const feeds of batches) {
      checkFeeds(feeds, exposed.inputs, samples);
      const out = exposed.fetch.length === 0 ? {} : await session.run(feeds, exposed.fetch);
      for (const name of [...exposed.fetch, ...exposed.fromFeeds]) {
        const t = out[name] ?? feeds[name];
        const k = activations.get(name);
        if (t === undefined || k === undefined || t.type !== 'float32') continue;
        if (t.dims[t.dims.length - 1] !== k) {
          fail(
            'bad-calibration-data',
            `activation '${name}' has shape [${t.dims.join(', ')}]; its weight expects ${k} ` +
              'channels on the last axis',
            { tensor: name },
          );
        }
        let acc = accumulators.get(name);
        if (acc === undefined) accumulators.set(name, (acc = new ActivationAccumulator(k)));
        acc.add(t.data as Float32Array);
      }
      samples += samplesOf(feeds);
      options.onProgress?.(++batch, samples);
    }
  } finally {
    await session.release();
  }
  if (samples === 0) fail('bad-calibration-data', 'no calibration samples');
  return new Map([...accumulators].map(([name, acc]) => [name, acc.finish()]));
}

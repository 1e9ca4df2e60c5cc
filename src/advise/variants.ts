// Scores quantized variants of one prepared float model for the advisor's many trials (one
// layer at a time, fallbacks, whole-model comparisons): run a variant on held-out batches and
// compare its outputs with fp32's. Not building the variants: ptq/build-quantized.ts does that
// for every recipe.
import type { Feeds } from '../ptq/index.js';
import { createSession, type RuntimeTensor } from '../runtime/onnxruntime.js';

/** Model outputs by name, one record per held-out batch. */
export type Outputs = readonly Readonly<Record<string, RuntimeTensor>>[];

/** Runs `bytes` on every batch and returns all outputs per batch. */
export async function runBatches(
  bytes: Uint8Array,
  batches: readonly Feeds[],
  threads = 1,
): Promise<Record<string, RuntimeTensor>[]> {
  const session = await createSession(bytes, { threads });
  try {
    const out: Record<string, RuntimeTensor>[] = [];
    for (const feeds of batches) out.push(await session.run(feeds));
    return out;
  } finally {
    await session.release();
  }
}

/**
 * SQNR in dB of `outputs` against `reference` over every float output of every batch:
 * 10 log10(sum ref^2 / sum (ref - out)^2); Infinity when they are equal.
 */
export function outputSqnr(reference: Outputs, outputs: Outputs): number {
  let signal = 0;
  let noise = 0;
  reference.forEach((ref, i) => {
    for (const [name, r] of Object.entries(ref)) {
      const o = outputs[i]?.[name];
      if (r.type !== 'float32' || o === undefined || o.type !== 'float32') continue;
      const a = r.data as Float32Array;
      const b = o.data as Float32Array;
      for (let k = 0; k < a.length; k++) {
        const d = a[k]! - (b[k] ?? 0);
        signal += a[k]! * a[k]!;
        noise += d * d;
      }
    }
  });
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

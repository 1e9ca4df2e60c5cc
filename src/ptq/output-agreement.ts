// How closely a converted or quantized model's outputs follow a reference model's on the same
// feeds: both run in onnxruntime, their outputs summed by agreement-tally.ts (cosine, SQNR,
// largest absolute difference, top-1 along the last axis). Feeds are cast to each model's
// declared float type (float32 and float16 models take the same data). Not an accuracy metric
// on labels: agreement only.
import { float16ToNumber, numberToFloat16 } from '../core/index.js';
import { readModel } from '../onnx/index.js';
import { createSession, type RuntimeAdapter, type RuntimeTensor } from '../runtime/onnxruntime.js';
import { AgreementTally, type OutputAgreement } from './agreement-tally.js';
import type { Feeds } from './batches.js';
import { modelInputs, type ModelInput } from './model-inputs.js';

/** Options of compareOutputs. */
export interface AgreementOptions {
  readonly threads?: number;
  readonly runtime?: RuntimeAdapter;
}

/** `feeds` with float tensors cast to the float type each input of `inputs` declares. */
export function feedsFor(inputs: readonly ModelInput[], feeds: Feeds): Feeds {
  const out: Record<string, RuntimeTensor> = { ...feeds };
  for (const input of inputs) {
    const t = feeds[input.name];
    if (t === undefined) continue;
    if (input.dtype === 'float16' && t.type === 'float32') {
      out[input.name] = {
        type: 'float16',
        dims: t.dims,
        data: Uint16Array.from(t.data as Float32Array, numberToFloat16),
      };
    } else if (input.dtype === 'float32' && t.type === 'float16') {
      out[input.name] = {
        type: 'float32',
        dims: t.dims,
        data: Float32Array.from(t.data as Uint16Array, float16ToNumber),
      };
    }
  }
  return out;
}

/** Every feed's outputs from one session of `bytes` (feeds cast to its float input types). */
export async function runAll(
  bytes: Uint8Array,
  feeds: readonly Feeds[],
  options: AgreementOptions,
): Promise<Record<string, RuntimeTensor>[]> {
  const inputs = modelInputs(readModel(bytes));
  const session = await createSession(bytes, { threads: options.threads ?? 1 }, options.runtime);
  try {
    const results: Record<string, RuntimeTensor>[] = [];
    for (const f of feeds) results.push(await session.run(feedsFor(inputs, f)));
    return results;
  } finally {
    await session.release();
  }
}

/**
 * Runs `reference` and `candidate` on every feed and compares their outputs by name, top-1 along
 * every last axis (logits included); a missing or differently sized output is `bad-model`.
 */
export async function compareOutputs(
  reference: Uint8Array,
  candidate: Uint8Array,
  feeds: readonly Feeds[],
  options: AgreementOptions = {},
): Promise<OutputAgreement[]> {
  const expected = await runAll(reference, feeds, options);
  const actual = await runAll(candidate, feeds, options);
  const tally = new AgreementTally({ top1: 'last-axis', strict: true });
  expected.forEach((run, i) => tally.add(run, actual[i]!));
  return tally.result();
}

export type { OutputAgreement };

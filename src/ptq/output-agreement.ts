// How closely a converted or quantized model's outputs follow a reference model's on the same
// feeds: cosine, SQNR, largest absolute difference and top-1 agreement along the last axis, per
// output, both run in onnxruntime. Feeds are cast to each model's declared float type (float32
// and float16 models take the same data). Not an accuracy metric on labels: agreement only.
import { fail, float16ToNumber, numberToFloat16 } from '../core/index.js';
import { readModel } from '../onnx/index.js';
import { createSession, type RuntimeAdapter, type RuntimeTensor } from '../runtime/onnxruntime.js';
import type { Feeds } from './batches.js';
import { modelInputs, type ModelInput } from './model-inputs.js';

/** Agreement of one output over all feeds. */
export interface OutputAgreement {
  readonly output: string;
  readonly cosine: number;
  /** 10 log10(sum ref^2 / sum (ref - out)^2); Infinity when equal. */
  readonly sqnrDb: number;
  readonly maxAbsError: number;
  /** Fraction of positions whose argmax over the last axis is the same (last axis > 1 only). */
  readonly top1: number | undefined;
}

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

function floats(t: RuntimeTensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return Float32Array.from(t.data as Uint16Array, float16ToNumber);
  return Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
}

async function runAll(
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

/** Runs `reference` and `candidate` on every feed and compares their outputs by name. */
export async function compareOutputs(
  reference: Uint8Array,
  candidate: Uint8Array,
  feeds: readonly Feeds[],
  options: AgreementOptions = {},
): Promise<OutputAgreement[]> {
  const expected = await runAll(reference, feeds, options);
  const actual = await runAll(candidate, feeds, options);
  const names = Object.keys(expected[0] ?? {});
  return names.map((output) => {
    let signal = 0;
    let noise = 0;
    let dot = 0;
    let norm = 0;
    let maxAbsError = 0;
    let same = 0;
    let positions = 0;
    expected.forEach((run, i) => {
      const refTensor = run[output]!;
      const outTensor =
        actual[i]?.[output] ??
        fail('bad-model', `the candidate model has no output '${output}'`, { tensor: output });
      const ref = floats(refTensor);
      const out = floats(outTensor);
      if (out.length !== ref.length) {
        fail(
          'bad-model',
          `output '${output}' holds ${out.length} values in the candidate model, ${ref.length} in the reference (feed ${i})`,
          { tensor: output, sample: i },
        );
      }
      for (let j = 0; j < ref.length; j++) {
        const r = ref[j]!;
        const o = out[j]!;
        signal += r * r;
        noise += (r - o) * (r - o);
        dot += r * o;
        norm += o * o;
        maxAbsError = Math.max(maxAbsError, Math.abs(r - o));
      }
      const last = refTensor.dims[refTensor.dims.length - 1] ?? 1;
      if (last > 1) {
        for (let at = 0; at + last <= ref.length; at += last) {
          same += argmax(ref, at, last) === argmax(out, at, last) ? 1 : 0;
          positions++;
        }
      }
    });
    const cosine = signal === 0 && norm === 0 ? 1 : dot / Math.sqrt(signal * norm);
    return {
      output,
      cosine,
      sqnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise),
      maxAbsError,
      top1: positions === 0 ? undefined : same / positions,
    };
  });
}

function argmax(x: Float32Array, at: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (x[at + i]! > x[at + best]!) best = i;
  return best;
}

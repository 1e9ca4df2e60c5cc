// Calibration batches as single samples held in memory, grouped into training batches of one
// input shape, in a seeded order: what the QAT loop iterates over, epoch after epoch. Also the
// teacher's outputs (the fp32 model run once per sample through the runtime adapter).
// Not the training loop (qat-recipe.ts) and not reading files.
import { fail } from '../core/index.js';
import type { Feeds } from '../ptq/index.js';
import type { RuntimeTensor, Session } from '../runtime/onnxruntime.js';
import { tensor, type Value } from './tensor.js';

/** One sample: its inputs with a leading axis of 1, and the teacher's float outputs. */
export interface Sample {
  readonly feeds: Feeds;
  readonly teacher: Readonly<Record<string, RuntimeTensor>>;
  /** Input shapes joined: samples of one key batch together. */
  readonly key: string;
  /** Its position in the calibration data (samples counted over all batches). */
  readonly index: number;
}

function sliceTensor(t: RuntimeTensor, index: number): RuntimeTensor {
  const inner = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return {
    type: t.type,
    dims: [1, ...t.dims.slice(1)],
    data: t.data.slice(index * inner, (index + 1) * inner),
  };
}

/** Splits batches into samples (numbered from `firstIndex`) and runs `teacher` on each for `outputs`. */
export async function collectSamples(
  batches: readonly Feeds[],
  teacher: Session,
  outputs: readonly string[],
  firstIndex = 0,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const [index, batch] of batches.entries()) {
    const first = Object.values(batch)[0];
    const count = first === undefined || first.dims.length === 0 ? 1 : first.dims[0]!;
    for (const [name, t] of Object.entries(batch)) {
      // Every input is split along its first axis: one without that batch axis would be cut
      // short (or emptied) without a word.
      if (t.dims[0] !== count || t.type === 'float16') {
        const why =
          t.type === 'float16'
            ? 'is float16 (QAT trains float32 inputs)'
            : `has dims [${t.dims.join(', ')}], not a leading batch axis of ${count}`;
        fail('bad-calibration-data', `input '${name}' of calibration batch ${index} ${why}`, {
          input: name,
          sample: index,
        });
      }
    }
    for (let i = 0; i < count; i++) {
      const feeds = Object.fromEntries(
        Object.entries(batch).map(([k, t]) => [k, sliceTensor(t, i)]),
      );
      const out = await teacher.run(feeds, outputs);
      for (const name of outputs) {
        if (out[name]?.type !== 'float32')
          fail('bad-model', `output '${name}' is not float32`, { tensor: name });
      }
      const key = Object.entries(feeds)
        .map(([k, t]) => `${k}:${t.dims.join('x')}`)
        .join(',');
      samples.push({ feeds, teacher: out, key, index: firstIndex + samples.length });
    }
  }
  return samples;
}

/** A deterministic generator of floats in [0, 1) (core's mulberry32, re-exported for the recipe). */
export { seededRandom } from '../core/index.js';

/** An endless seeded shuffle of sample indices, one permutation per epoch. */
export function* shuffledIndices(count: number, random: () => number): Generator<number> {
  for (;;) {
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    yield* order;
  }
}

/** Tensors of single samples stacked along a new leading axis of parts.length. */
export function joinTensors(parts: readonly RuntimeTensor[]): RuntimeTensor {
  const length = parts.reduce((n, p) => n + p.data.length, 0);
  const first = parts[0]!;
  const Make = first.data.constructor as new (n: number) => RuntimeTensor['data'];
  const data = new Make(length);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { type: first.type, dims: [parts.length, ...first.dims.slice(1)], data };
}

/** Samples of one shape as one executor batch: feeds and the teacher's outputs. */
export function joinSamples(
  samples: readonly Sample[],
  outputs: readonly string[],
): { feeds: Record<string, Value>; teacher: Record<string, RuntimeTensor> } {
  const names = Object.keys(samples[0]!.feeds);
  const feeds: Record<string, Value> = {};
  for (const name of names) {
    const t = joinTensors(samples.map((s) => s.feeds[name]!));
    feeds[name] =
      t.type === 'float32'
        ? tensor(t.dims, t.data as Float32Array)
        : {
            shape: [...t.dims],
            ints: Float64Array.from(t.data as ArrayLike<number | bigint>, Number),
            dtype: t.type === 'bool' ? 'bool' : t.type === 'int32' ? 'int32' : 'int64',
          };
  }
  const teacher = Object.fromEntries(
    outputs.map((o) => [o, joinTensors(samples.map((s) => s.teacher[o]!))]),
  );
  return { feeds, teacher };
}

/**
 * Groups `samples` by input shape, keeping first-seen order; a group of more than `most`
 * samples is split into runs of at most `most` (an executor batch's memory grows with it).
 */
export function byShape(samples: readonly Sample[], most = Infinity): Sample[][] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = groups.get(s.key) ?? [];
    list.push(s);
    groups.set(s.key, list);
  }
  return [...groups.values()].flatMap((group) => {
    if (group.length <= most) return [group];
    const runs: Sample[][] = [];
    for (let at = 0; at < group.length; at += most) runs.push(group.slice(at, at + most));
    return runs;
  });
}

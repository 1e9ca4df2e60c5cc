// The three small transformers under data/transformers/ (BERT-style language-pair classifier,
// character GPT, character ViT; trained by scripts/train-transformers.py) and the scorer of
// each on its held-out set, run through the runtime adapter. Not quantization (modes.ts) and
// not the table (index.ts); test/transformers-eval.test.ts checks these scorers against the
// fp32 metric the Python trainer wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession, type RuntimeTensor, type Session } from '../../src/runtime/onnxruntime.js';
import { readNpy, readNpzFolder, toInt64, type NpyData } from './arrays.js';

/** One committed transformer and how to score it. */
export interface TransformerModel {
  readonly name: string;
  readonly dir: string;
  /** What `evaluate` measures, e.g. 'pair accuracy'. */
  readonly metric: string;
  /** Held-out samples `evaluate` scores. */
  readonly count: () => number;
  /** The held-out metric of the model loaded in `session` (higher is better). */
  readonly evaluate: (session: Session) => Promise<number>;
  /** One batch-1 input for latency. */
  readonly latencyFeeds: () => Record<string, RuntimeTensor>;
  /** The held-out inputs `evaluate` runs, in its batches (agreement with fp32's answers). */
  readonly heldOutFeeds: () => Record<string, RuntimeTensor>[];
}

/** Batches of BATCH rows [start, end) over `count` samples, each made by `feeds`. */
function batches<T>(count: number, feeds: (start: number, end: number) => T): T[] {
  const out: T[] = [];
  for (let start = 0; start < count; start += BATCH)
    out.push(feeds(start, Math.min(count, start + BATCH)));
  return out;
}

const ROOT = 'data/transformers';

/** The fp32 ONNX bytes of a model. */
export function modelBytes(m: TransformerModel): Uint8Array {
  return new Uint8Array(readFileSync(join(m.dir, 'onnx', 'model.onnx')));
}

/** The held-out metric of `m` quantized (or not) to `bytes`, in a one-thread session. */
export async function metricOf(m: TransformerModel, bytes: Uint8Array): Promise<number> {
  const session = await createSession(bytes, { threads: 1 });
  try {
    return await m.evaluate(session);
  } finally {
    await session.release();
  }
}

/** Its calibration samples (calib/*.npz), one feed record each. */
export function calibrationFeeds(m: TransformerModel): Record<string, RuntimeTensor>[] {
  return readNpzFolder(join(m.dir, 'calib'));
}

/** The fp32 held-out metric the trainer recorded in metrics.json. */
export function recordedMetric(m: TransformerModel): { fp32: number; count: number } {
  return JSON.parse(readFileSync(join(m.dir, 'metrics.json'), 'utf8')) as {
    fp32: number;
    count: number;
  };
}

/** Index of the largest of `n` values from `offset` (the first on ties, as numpy's argmax). */
function argmax(x: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (x[offset + j]! > x[offset + best]!) best = j;
  return best;
}

/** Rows [start, end) of a [N, ...] array as int64. */
function rowsInt64(a: NpyData, start: number, end: number): RuntimeTensor {
  const width = a.shape.slice(1).reduce((p, q) => p * q, 1);
  const all = toInt64(a);
  return {
    type: 'int64',
    dims: [end - start, ...a.shape.slice(1)],
    data: all.slice(start * width, end * width),
  };
}

async function logitsOf(s: Session, feeds: Record<string, RuntimeTensor>): Promise<Float32Array> {
  const out = (await s.run(feeds))['logits']!;
  if (!(out.data instanceof Float32Array)) throw new Error(`logits are ${out.type}`);
  return out.data;
}

const BATCH = 100;

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const bertData = lazy(() => {
  const dir = join(ROOT, 'bert', 'heldout');
  const names = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
  return {
    inputs: names.map((n) => [n, readNpy(join(dir, `${n}.npy`))] as const),
    labels: readNpy(join(dir, 'labels.npy')).data,
  };
});

/** BERT-style encoder: which of 14 languages is snippet B in (A, often a related language, beside it)? */
export const bert: TransformerModel = {
  name: 'bert',
  dir: join(ROOT, 'bert'),
  metric: 'lang-of-B accuracy',
  count: () => bertData().labels.length,
  async evaluate(session) {
    const { inputs, labels } = bertData();
    let correct = 0;
    for (let start = 0; start < labels.length; start += BATCH) {
      const end = Math.min(labels.length, start + BATCH);
      const feeds = Object.fromEntries(inputs.map(([n, a]) => [n, rowsInt64(a, start, end)]));
      const logits = await logitsOf(session, feeds);
      const classes = logits.length / (end - start);
      for (let i = start; i < end; i++) {
        if (argmax(logits, (i - start) * classes, classes) === Number(labels[i])) correct++;
      }
    }
    return correct / labels.length;
  },
  latencyFeeds: () =>
    Object.fromEntries(bertData().inputs.map(([n, a]) => [n, rowsInt64(a, 0, 1)])),
  heldOutFeeds: () =>
    batches(bertData().labels.length, (start, end) =>
      Object.fromEntries(bertData().inputs.map(([n, a]) => [n, rowsInt64(a, start, end)])),
    ),
};

const gptData = lazy(() => readNpy(join(ROOT, 'gpt', 'heldout', 'windows.npy')));

/** GPT-style character decoder: next-character accuracy over every position of each window. */
export const gpt: TransformerModel = {
  name: 'gpt',
  dir: join(ROOT, 'gpt'),
  metric: 'next-char accuracy',
  count: () => gptData().shape[0]! * (gptData().shape[1]! - 1),
  async evaluate(session) {
    const windows = gptData();
    const [n, width] = [windows.shape[0]!, windows.shape[1]!];
    const t = width - 1;
    let correct = 0;
    for (let start = 0; start < n; start += BATCH) {
      const end = Math.min(n, start + BATCH);
      const ids = new BigInt64Array((end - start) * t);
      for (let i = start; i < end; i++) {
        for (let j = 0; j < t; j++) ids[(i - start) * t + j] = BigInt(windows.data[i * width + j]!);
      }
      const logits = await logitsOf(session, {
        input_ids: { type: 'int64', dims: [end - start, t], data: ids },
      });
      const vocab = logits.length / ids.length;
      for (let i = start; i < end; i++) {
        for (let j = 0; j < t; j++) {
          const predicted = argmax(logits, ((i - start) * t + j) * vocab, vocab);
          if (predicted === Number(windows.data[i * width + j + 1])) correct++;
        }
      }
    }
    return correct / (n * t);
  },
  latencyFeeds: () => {
    const w = gptData();
    const t = w.shape[1]! - 1;
    const data = BigInt64Array.from(w.data.slice(0, t) as Uint8Array, (v) => BigInt(v));
    return { input_ids: { type: 'int64', dims: [1, t], data } };
  },
  heldOutFeeds: () => {
    const w = gptData();
    const [n, width] = [w.shape[0]!, w.shape[1]!];
    return batches(n, (start, end) => {
      const ids = new BigInt64Array((end - start) * (width - 1));
      for (let i = start; i < end; i++) {
        for (let j = 0; j < width - 1; j++) {
          ids[(i - start) * (width - 1) + j] = BigInt(w.data[i * width + j]!);
        }
      }
      return { input_ids: { type: 'int64' as const, dims: [end - start, width - 1], data: ids } };
    });
  },
};

const vitData = lazy(() => ({
  images: readNpy(join(ROOT, 'vit', 'heldout', 'images.npy')),
  labels: readNpy(join(ROOT, 'vit', 'heldout', 'labels.npy')).data,
}));

/** Grayscale uint8 rows [start, end) as the ViT's pixel_values, (x / 255 - 0.5) / 0.5. */
function pixels(images: NpyData, start: number, end: number): RuntimeTensor {
  const [h, w] = [images.shape[1]!, images.shape[2]!];
  const data = new Float32Array((end - start) * h * w);
  for (let i = 0; i < data.length; i++) {
    data[i] = (Number(images.data[start * h * w + i]) / 255 - 0.5) / 0.5;
  }
  return { type: 'float32', dims: [end - start, 1, h, w], data };
}

/** ViT: which of 36 characters (0-9, A-Z) an image shows, rendered in fonts unseen in training. */
export const vit: TransformerModel = {
  name: 'vit',
  dir: join(ROOT, 'vit'),
  metric: 'char accuracy',
  count: () => vitData().labels.length,
  async evaluate(session) {
    const { images, labels } = vitData();
    let correct = 0;
    for (let start = 0; start < labels.length; start += BATCH) {
      const end = Math.min(labels.length, start + BATCH);
      const logits = await logitsOf(session, { pixel_values: pixels(images, start, end) });
      const classes = logits.length / (end - start);
      for (let i = start; i < end; i++) {
        if (argmax(logits, (i - start) * classes, classes) === Number(labels[i])) correct++;
      }
    }
    return correct / labels.length;
  },
  latencyFeeds: () => ({ pixel_values: pixels(vitData().images, 0, 1) }),
  heldOutFeeds: () =>
    batches(vitData().labels.length, (start, end) => ({
      pixel_values: pixels(vitData().images, start, end),
    })),
};

/** The models the transformer bench and its test score, in table order. */
export const TRANSFORMERS: readonly TransformerModel[] = [bert, gpt, vit];

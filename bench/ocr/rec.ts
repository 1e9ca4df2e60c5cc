// PP-OCRv4 recognizer (ch_PP-OCRv4_rec_infer.onnx) input tensors and scoring, following
// PaddleOCR's tools/infer/predict_rec.py (resize_norm_img) and ppocr/postprocess
// CTCLabelDecode. Not the rendering (render.ts) and not an ONNX runner.
import { dictionaryKeys } from './text.js';
import { resizeBilinear, writeNormalized, type RgbaImage, type Tensor } from './image.js';

/** rec_image_shape 3,48,320: the height every line is resized to, and the least batch width. */
export const REC_HEIGHT = 48;
export const REC_MIN_WIDTH = 320;
const HALF = [0.5, 0.5, 0.5] as const;

/**
 * The recognizer's classes: index 0 is the CTC blank, then ppocr_keys_v1.txt in file order,
 * then ' ' (use_space_char=True): 1 + 6623 + 1 = 6625, the model's last output dimension.
 */
export function recClasses(): string[] {
  return ['', ...dictionaryKeys(), ' '];
}

/**
 * Batches line images as x: f32 [N, 3, 48, W], W = max(320, ceil(48 * w/h) over the batch):
 * each line resized to height 48 keeping its aspect, (x/255 - 0.5)/0.5 in BGR, zero-padded right.
 */
export function recInput(images: readonly RgbaImage[]): Tensor {
  const widths = images.map((img) => Math.ceil((REC_HEIGHT * img.width) / img.height));
  const batchWidth = Math.max(REC_MIN_WIDTH, ...widths);
  const sample = 3 * REC_HEIGHT * batchWidth;
  const data = new Float32Array(images.length * sample);
  images.forEach((img, i) => {
    const resized = resizeBilinear(img, Math.min(widths[i]!, batchWidth), REC_HEIGHT);
    writeNormalized(resized, data, i * sample, batchWidth, HALF, HALF);
  });
  return { name: 'x', data, dims: [images.length, 3, REC_HEIGHT, batchWidth] };
}

/** A decoded line and the mean probability of its kept characters. */
export interface RecPrediction {
  readonly text: string;
  readonly confidence: number;
}

/**
 * CTC greedy decoding of probabilities f32 [N, T, C]: argmax per step, merge repeats, drop
 * the blank (index 0), map indices through `classes`.
 */
export function ctcDecode(
  probs: Float32Array,
  dims: readonly number[],
  classes: readonly string[],
): RecPrediction[] {
  const [n = 0, steps = 0, c = 0] = dims;
  if (c !== classes.length) {
    throw new Error(`recognizer output has ${c} classes, dictionary has ${classes.length}`);
  }
  const out: RecPrediction[] = [];
  for (let b = 0; b < n; b++) {
    let text = '';
    let sum = 0;
    let kept = 0;
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * c;
      let best = 0;
      for (let k = 1; k < c; k++) if (probs[row + k]! > probs[row + best]!) best = k;
      if (best !== 0 && best !== previous) {
        text += classes[best]!;
        sum += probs[row + best]!;
        kept++;
      }
      previous = best;
    }
    out.push({ text, confidence: kept > 0 ? sum / kept : 0 });
  }
  return out;
}

/** Levenshtein distance between two strings, counted in code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitute = row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      next.push(Math.min(substitute, row[j]! + 1, next[j - 1]! + 1));
    }
    row = next;
  }
  return row[y.length]!;
}

/** Recognition scores: mean character accuracy and exact-match line accuracy. */
export interface RecScore {
  /** Mean over lines of max(0, 1 - edit_distance(pred, label) / len(label)). */
  readonly charAccuracy: number;
  readonly lineAccuracy: number;
  readonly count: number;
}

/**
 * Scores predictions against labels; spaces are ignored on both sides, as PaddleOCR's
 * RecMetric does by default (ignore_space=True).
 */
export function scoreRec(predictions: readonly string[], labels: readonly string[]): RecScore {
  let chars = 0;
  let exact = 0;
  labels.forEach((label, i) => {
    const target = label.replace(/ /g, '');
    const pred = (predictions[i] ?? '').replace(/ /g, '');
    const distance = editDistance(pred, target);
    chars += Math.max(0, 1 - distance / Math.max(1, [...target].length));
    if (distance === 0) exact++;
  });
  const count = labels.length;
  return { charAccuracy: chars / count, lineAccuracy: exact / count, count };
}

/** Groups line indices by aspect ratio into batches of `size`, as predict_rec sorts them. */
export function batchByWidth(images: readonly RgbaImage[], size: number): number[][] {
  const order = images
    .map((img, i) => ({ i, ratio: img.width / img.height }))
    .sort((a, b) => a.ratio - b.ratio)
    .map((e) => e.i);
  const batches: number[][] = [];
  for (let s = 0; s < order.length; s += size) batches.push(order.slice(s, s + size));
  return batches;
}

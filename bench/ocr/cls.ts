// PP-OCR mobile v2.0 text-orientation classifier (ch_ppocr_mobile_v2.0_cls_infer.onnx) input
// tensors and scoring, following PaddleOCR's tools/infer/predict_cls.py (resize_norm_img,
// cls_image_shape 3,48,192, label_list ['0', '180']). Not rendering and not an ONNX runner.
import { resizeBilinear, writeNormalized, type RgbaImage, type Tensor } from './image.js';

/** cls_image_shape: every line becomes 3 x 48 x 192. */
export const CLS_HEIGHT = 48;
export const CLS_WIDTH = 192;
const HALF = [0.5, 0.5, 0.5] as const;

/** The classifier's classes, in output order: upright and upside down. */
export const CLS_LABELS = [0, 180] as const;

/** An orientation: 0 (upright) or 180 (upside down). */
export type Orientation = (typeof CLS_LABELS)[number];

/**
 * Batches line images as x: f32 [N, 3, 48, 192]: each resized to height 48 keeping its aspect
 * but squeezed to at most 192 wide, (x/255 - 0.5)/0.5 in BGR, zero-padded right.
 */
export function clsInput(images: readonly RgbaImage[]): Tensor {
  const sample = 3 * CLS_HEIGHT * CLS_WIDTH;
  const data = new Float32Array(images.length * sample);
  images.forEach((img, i) => {
    const width = Math.min(CLS_WIDTH, Math.ceil((CLS_HEIGHT * img.width) / img.height));
    writeNormalized(
      resizeBilinear(img, width, CLS_HEIGHT),
      data,
      i * sample,
      CLS_WIDTH,
      HALF,
      HALF,
    );
  });
  return { name: 'x', data, dims: [images.length, 3, CLS_HEIGHT, CLS_WIDTH] };
}

/** The argmax orientation per row of softmax probabilities f32 [N, 2]. */
export function clsPredictions(probs: Float32Array, dims: readonly number[]): Orientation[] {
  const [n = 0, c = 0] = dims;
  if (c !== CLS_LABELS.length) throw new Error(`classifier output has ${c} classes, expected 2`);
  return Array.from({ length: n }, (_, i) =>
    probs[i * 2 + 1]! > probs[i * 2]! ? CLS_LABELS[1] : CLS_LABELS[0],
  );
}

/** Orientation scores: accuracy over all lines and per true orientation. */
export interface ClsScore {
  readonly accuracy: number;
  readonly uprightAccuracy: number;
  readonly flippedAccuracy: number;
  readonly count: number;
}

/** Scores predicted orientations against the rendered ones. */
export function scoreCls(
  predictions: readonly Orientation[],
  labels: readonly Orientation[],
): ClsScore {
  const rate = (want: Orientation | undefined): number => {
    const idx = labels.flatMap((l, i) => (want === undefined || l === want ? [i] : []));
    const hits = idx.filter((i) => predictions[i] === labels[i]).length;
    return idx.length > 0 ? hits / idx.length : 0;
  };
  return {
    accuracy: rate(undefined),
    uprightAccuracy: rate(0),
    flippedAccuracy: rate(180),
    count: labels.length,
  };
}

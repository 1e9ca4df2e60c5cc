// The OCR accuracy benchmark's entry: for each real PP-OCR model, its path, calibration inputs
// from rendered data, and one-call evaluation on held-out rendered data through any runner
// (fp32 or quantized). Not an ONNX runner itself (ort.ts has one) and not the product.
import { clsInput, clsPredictions, scoreCls, type Orientation } from './cls.js';
import { detCounts, detInput, scoreDet } from './det.js';
import { ocrAsset } from './assets.js';
import { rotate180, type Tensor } from './image.js';
import { batchByWidth, ctcDecode, recClasses, recInput, scoreRec } from './rec.js';
import { renderLine, renderPage, type Page, type TextLine } from './render.js';
import { sampleRng } from './text.js';

export type { Tensor } from './image.js';

/** Runs a model on one feed and returns its outputs (the first output is the one scored). */
export type RunSession = (inputs: readonly Tensor[]) => Promise<readonly Tensor[]>;

/** A headline metric, its sample count, and the other figures computed alongside it. */
export interface OcrMetric {
  readonly metric: string;
  readonly value: number;
  readonly count: number;
  readonly details: Readonly<Record<string, number>>;
}

/** One model of the benchmark. */
export interface OcrBench {
  readonly name: 'ppocr-det' | 'ppocr-rec' | 'ppocr-cls';
  readonly modelPath: string;
  /** `count` single-sample feeds rendered from `seed` (default CALIBRATION_SEED). */
  calibrationInputs(count: number, seed?: number): Tensor[][];
  /** Scores the model behind `run` on `count` held-out samples from `seed` (default EVALUATION_SEED). */
  evaluate(run: RunSession, count: number, seed?: number): Promise<OcrMetric>;
}

/** The seed of calibration data (and of data/ocr/); evaluation refuses it. */
export const CALIBRATION_SEED = 1;
/** The default seed of held-out evaluation data. */
export const EVALUATION_SEED = 2;
/** Batch sizes of PaddleOCR's predict_rec / predict_cls (rec_batch_num, cls_batch_num). */
const BATCH = 6;

function heldOut(seed: number): number {
  if (seed === CALIBRATION_SEED) throw new Error('evaluation must not use the calibration seed');
  return seed;
}

async function firstOutput(run: RunSession, input: Tensor): Promise<Tensor> {
  const [out] = await run([input]);
  if (out === undefined) throw new Error('the runner returned no output');
  return out;
}

/** `count` rendered lines of the set `seed` (the recognizer's data). */
export function renderLines(count: number, seed: number): TextLine[] {
  return Array.from({ length: count }, (_, i) => renderLine(sampleRng(seed, i)));
}

/** A rendered line as the classifier sees it, with its orientation (the label). */
export interface OrientedLine extends TextLine {
  readonly orientation: Orientation;
}

/** `count` rendered lines of the set `seed`, about half of them turned upside down. */
export function renderOrientedLines(count: number, seed: number): OrientedLine[] {
  return Array.from({ length: count }, (_, i) => {
    const rng = sampleRng(seed, i);
    const line = renderLine(rng);
    const orientation: Orientation = rng.chance(0.5) ? 180 : 0;
    return {
      ...line,
      orientation,
      image: orientation === 180 ? rotate180(line.image) : line.image,
    };
  });
}

/** Page side of rendered detector pages. */
export const PAGE_SIZE = 640;

/** `count` rendered pages of the set `seed`, `size` pixels square. */
export function renderPages(count: number, seed: number, size = PAGE_SIZE): Page[] {
  return Array.from({ length: count }, (_, i) => renderPage(sampleRng(seed, i), size, size));
}

/** PP-OCRv4 recognizer: character accuracy of CTC-greedy transcriptions of rendered lines. */
export const recBench: OcrBench = {
  name: 'ppocr-rec',
  modelPath: ocrAsset('ch_PP-OCRv4_rec_infer.onnx'),
  calibrationInputs: (count, seed = CALIBRATION_SEED) =>
    renderLines(count, seed).map((l) => [recInput([l.image])]),
  evaluate: async (run, count, seed = EVALUATION_SEED) =>
    evaluateLines(run, renderLines(count, heldOut(seed))),
};

/** Character and line accuracy of the recognizer behind `run` on `data`, batched as predict_rec. */
export async function evaluateLines(
  run: RunSession,
  data: readonly TextLine[],
): Promise<OcrMetric> {
  const classes = recClasses();
  const predictions: string[] = new Array<string>(data.length).fill('');
  for (const batch of batchByWidth(
    data.map((l) => l.image),
    BATCH,
  )) {
    const out = await firstOutput(run, recInput(batch.map((i) => data[i]!.image)));
    ctcDecode(out.data, out.dims, classes).forEach((p, k) => (predictions[batch[k]!] = p.text));
  }
  const score = scoreRec(
    predictions,
    data.map((l) => l.text),
  );
  return {
    metric: 'char accuracy',
    value: score.charAccuracy,
    count: data.length,
    details: { charAccuracy: score.charAccuracy, lineAccuracy: score.lineAccuracy },
  };
}

/** PP-OCR mobile v2.0 orientation classifier: accuracy on lines rendered upright or turned 180°. */
export const clsBench: OcrBench = {
  name: 'ppocr-cls',
  modelPath: ocrAsset('ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  calibrationInputs: (count, seed = CALIBRATION_SEED) =>
    renderOrientedLines(count, seed).map((l) => [clsInput([l.image])]),
  async evaluate(run, count, seed = EVALUATION_SEED) {
    const data = renderOrientedLines(count, heldOut(seed));
    const predictions: Orientation[] = [];
    for (let s = 0; s < count; s += BATCH) {
      const out = await firstOutput(run, clsInput(data.slice(s, s + BATCH).map((l) => l.image)));
      predictions.push(...clsPredictions(out.data, out.dims));
    }
    const score = scoreCls(
      predictions,
      data.map((l) => l.orientation),
    );
    return {
      metric: 'accuracy',
      value: score.accuracy,
      count,
      details: {
        accuracy: score.accuracy,
        uprightAccuracy: score.uprightAccuracy,
        flippedAccuracy: score.flippedAccuracy,
      },
    };
  },
};

/** PP-OCRv4 detector: pixel F1 of the DB map at 0.3 against shrunk text kernels on rendered pages. */
export const detBench: OcrBench = {
  name: 'ppocr-det',
  modelPath: ocrAsset('ch_PP-OCRv4_det_infer.onnx'),
  calibrationInputs: (count, seed = CALIBRATION_SEED) =>
    renderPages(count, seed).map((p) => [detInput(p.image).tensor]),
  async evaluate(run, count, seed = EVALUATION_SEED) {
    const pages = [];
    for (const page of renderPages(count, heldOut(seed))) {
      const input = detInput(page.image);
      const out = await firstOutput(run, input.tensor);
      pages.push(detCounts(out.data, out.dims, input, page.boxes));
    }
    const score = scoreDet(pages);
    return { metric: 'pixel F1', value: score.pixelF1, count, details: { ...score } };
  },
};

/** The three benchmarks by name. */
export const ocrBenches: ReadonlyMap<OcrBench['name'], OcrBench> = new Map([
  [recBench.name, recBench],
  [clsBench.name, clsBench],
  [detBench.name, detBench],
]);

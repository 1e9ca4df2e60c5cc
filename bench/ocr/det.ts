// PP-OCRv4 text detector (ch_PP-OCRv4_det_infer.onnx, a DB net) input tensors and scoring,
// following PaddleOCR's DetResizeForTest (limit_type 'max'), NormalizeImage (ImageNet mean/std)
// and DBPostProcess (thresh 0.3, box_thresh 0.6, unclip_ratio 1.5) for axis-aligned text.
// Not rendering; the pixel metric compares against DB's shrunk text kernels (MakeShrinkMap).
import { resizeBilinear, writeNormalized, type RgbaImage, type Tensor } from './image.js';
import type { TextBox } from './render.js';

const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
/** DBPostProcess defaults in PaddleOCR's predict_det. */
export const DB_THRESH = 0.3;
const BOX_THRESH = 0.6;
const UNCLIP_RATIO = 1.5;
const MIN_SIZE = 3;
/** MakeShrinkMap's shrink_ratio: DB is trained to mark text polygons shrunk by this rule. */
const SHRINK_RATIO = 0.4;
/**
 * Annotated text polygons leave a margin around the ink; labelling the ink box grown by this
 * fraction of its height on each side, then shrunk as above, matches the fp32 model's kernels
 * best on rendered pages (pixel precision and recall within 0.05 of each other).
 */
const LABEL_MARGIN = 0.2;

/** A detector input and the scale from the page to it. */
export interface DetInput {
  readonly tensor: Tensor;
  readonly ratioH: number;
  readonly ratioW: number;
}

/**
 * A page as x: f32 [1, 3, H', W']: scaled so its longer side is at most `limitSide`, both sides
 * rounded to multiples of 32, then (x/255 - mean)/std per channel in BGR order.
 */
export function detInput(image: RgbaImage, limitSide = 960): DetInput {
  const { width: w, height: h } = image;
  const ratio = Math.max(h, w) > limitSide ? limitSide / Math.max(h, w) : 1;
  const rh = Math.max(Math.round(Math.trunc(h * ratio) / 32) * 32, 32);
  const rw = Math.max(Math.round(Math.trunc(w * ratio) / 32) * 32, 32);
  const resized = rh === h && rw === w ? image : resizeBilinear(image, rw, rh);
  const data = new Float32Array(3 * rh * rw);
  writeNormalized(resized, data, 0, rw, MEAN, STD);
  return { tensor: { name: 'x', data, dims: [1, 3, rh, rw] }, ratioH: rh / h, ratioW: rw / w };
}

/** An axis-aligned box in page pixels (x1, y1 exclusive). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Pixel and box tallies of one page; add them up over pages, then score. */
export interface DetCounts {
  truePixels: number;
  falsePixels: number;
  missedPixels: number;
  matchedBoxes: number;
  predictedBoxes: number;
  truthBoxes: number;
}

/** A box shrunk (negative `by`) or grown on every side by DB's offset area * ratio / perimeter. */
function offset(b: Box, ratio: number, sign: 1 | -1): Box {
  const w = b.x1 - b.x0;
  const h = b.y1 - b.y0;
  const d = sign * ((w * h * ratio) / Math.max(1e-6, 2 * (w + h)));
  return { x0: b.x0 - d, y0: b.y0 - d, x1: b.x1 + d, y1: b.y1 + d };
}

/**
 * DB post-processing of the probability map f32 [1, 1, H, W]: 8-connected regions above 0.3,
 * kept when their mean probability reaches 0.6, grown by unclip ratio 1.5, in page pixels.
 */
export function detBoxes(map: Float32Array, dims: readonly number[], input: DetInput): Box[] {
  const [, , h = 0, w = 0] = dims;
  const seen = new Uint8Array(h * w);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < h * w; start++) {
    if (seen[start] === 1 || map[start]! <= DB_THRESH) continue;
    let [x0, y0, x1, y1, sum, n] = [w, h, 0, 0, 0, 0];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const px = p % w;
      const py = (p - px) / w;
      [x0, y0, x1, y1] = [Math.min(x0, px), Math.min(y0, py), Math.max(x1, px), Math.max(y1, py)];
      sum += map[p]!;
      n++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const qx = px + dx;
          const qy = py + dy;
          const q = qy * w + qx;
          if (qx < 0 || qy < 0 || qx >= w || qy >= h || seen[q] === 1) continue;
          if (map[q]! > DB_THRESH) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    // contour points are pixel centres, so a region spanning x0..x1 is x1 - x0 wide
    if (Math.min(x1 - x0, y1 - y0) < MIN_SIZE || sum / n < BOX_THRESH) continue;
    const grown = offset({ x0, y0, x1, y1 }, UNCLIP_RATIO, 1);
    if (Math.min(grown.x1 - grown.x0, grown.y1 - grown.y0) < MIN_SIZE + 2) continue;
    boxes.push({
      x0: Math.max(0, grown.x0 / input.ratioW),
      y0: Math.max(0, grown.y0 / input.ratioH),
      x1: Math.min(w / input.ratioW, grown.x1 / input.ratioW),
      y1: Math.min(h / input.ratioH, grown.y1 / input.ratioH),
    });
  }
  return boxes;
}

const area = (b: Box): number => Math.max(0, b.x1 - b.x0) * Math.max(0, b.y1 - b.y0);

function iou(a: Box, b: Box): number {
  const inter = area({
    x0: Math.max(a.x0, b.x0),
    y0: Math.max(a.y0, b.y0),
    x1: Math.min(a.x1, b.x1),
    y1: Math.min(a.y1, b.y1),
  });
  return inter / Math.max(1e-9, area(a) + area(b) - inter);
}

/**
 * Tallies one page: pixels of map > 0.3 against the ground-truth kernels (each ink box with an
 * annotation margin, shrunk as DB's labels are), and DB boxes
 * matched one-to-one to ground-truth boxes at IoU >= 0.5 (greedy, best IoU first).
 */
export function detCounts(
  map: Float32Array,
  dims: readonly number[],
  input: DetInput,
  truth: readonly TextBox[],
): DetCounts {
  const [, , h = 0, w = 0] = dims;
  const mask = new Uint8Array(h * w);
  for (const t of truth) {
    const pad = LABEL_MARGIN * (t.y1 - t.y0);
    const label = {
      x0: (t.x0 - pad) * input.ratioW,
      y0: (t.y0 - pad) * input.ratioH,
      x1: (t.x1 + pad) * input.ratioW,
      y1: (t.y1 + pad) * input.ratioH,
    };
    const k = offset(label, 1 - SHRINK_RATIO ** 2, -1);
    for (let y = Math.max(0, Math.round(k.y0)); y < Math.min(h, Math.round(k.y1)); y++) {
      mask.fill(1, y * w + Math.max(0, Math.round(k.x0)), y * w + Math.min(w, Math.round(k.x1)));
    }
  }
  const counts: DetCounts = {
    truePixels: 0,
    falsePixels: 0,
    missedPixels: 0,
    matchedBoxes: 0,
    predictedBoxes: 0,
    truthBoxes: truth.length,
  };
  for (let i = 0; i < h * w; i++) {
    const hit = map[i]! > DB_THRESH;
    if (hit && mask[i] === 1) counts.truePixels++;
    else if (hit) counts.falsePixels++;
    else if (mask[i] === 1) counts.missedPixels++;
  }
  const predicted = detBoxes(map, dims, input);
  counts.predictedBoxes = predicted.length;
  const pairs = predicted.flatMap((p, i) => truth.map((t, j) => ({ i, j, v: iou(p, t) })));
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  for (const { i, j } of pairs.filter((e) => e.v >= 0.5).sort((a, b) => b.v - a.v)) {
    if (usedP.has(i) || usedT.has(j)) continue;
    usedP.add(i);
    usedT.add(j);
    counts.matchedBoxes++;
  }
  return counts;
}

/** Detection scores: pixel-level and box-level (IoU >= 0.5) precision, recall and F1. */
export interface DetScore {
  readonly pixelPrecision: number;
  readonly pixelRecall: number;
  readonly pixelF1: number;
  readonly boxPrecision: number;
  readonly boxRecall: number;
  readonly boxF1: number;
}

/** Scores tallies summed over pages (micro-averaged). */
export function scoreDet(pages: readonly DetCounts[]): DetScore {
  const sum = (k: keyof DetCounts): number => pages.reduce((s, p) => s + p[k], 0);
  const f1 = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
  const tp = sum('truePixels');
  const pixelPrecision = ratio(tp, tp + sum('falsePixels'));
  const pixelRecall = ratio(tp, tp + sum('missedPixels'));
  const boxPrecision = ratio(sum('matchedBoxes'), sum('predictedBoxes'));
  const boxRecall = ratio(sum('matchedBoxes'), sum('truthBoxes'));
  return {
    pixelPrecision,
    pixelRecall,
    pixelF1: f1(pixelPrecision, pixelRecall),
    boxPrecision,
    boxRecall,
    boxF1: f1(boxPrecision, boxRecall),
  };
}

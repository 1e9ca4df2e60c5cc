// Deterministic rendering of OCR inputs with real fonts through skia (@napi-rs/canvas):
// single text lines like cropped detections, and document-like pages with their text boxes.
// Not preprocessing for a model (rec.ts, cls.ts, det.ts) and not scoring.
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { fonts, type FontFace } from './assets.js';
import { addNoise, resizeBilinear, type RgbaImage } from './image.js';
import { hasCjk, randomText, type Rng } from './text.js';

/** A rendered text line and its transcription. */
export interface TextLine {
  readonly image: RgbaImage;
  readonly text: string;
}

/** A text line's ink extent on a page, in pixels (x1, y1 exclusive), and its transcription. */
export interface TextBox {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly text: string;
}

/** A rendered page and the boxes of every text line on it. */
export interface Page {
  readonly image: RgbaImage;
  readonly boxes: readonly TextBox[];
}

type Rgb = readonly [number, number, number];
const css = ([r, g, b]: Rgb): string => `rgb(${r | 0},${g | 0},${b | 0})`;
const INKS: readonly Rgb[] = [
  [20, 30, 120],
  [150, 20, 20],
  [20, 80, 40],
  [70, 70, 70],
];

/** Paper and ink colours: mostly dark ink on off-white, sometimes coloured ink or inverted. */
function palette(rng: Rng, allowInverted: boolean): { paper: Rgb; ink: Rgb } {
  const jitter = (base: number, spread: number): number => base + rng.uniform(-spread, spread);
  if (allowInverted && rng.chance(0.1)) {
    const p = rng.uniform(20, 90);
    const i = rng.uniform(200, 255);
    return { paper: [jitter(p, 15), jitter(p, 15), jitter(p, 15)], ink: [i, i, jitter(i, 20)] };
  }
  const p = rng.uniform(200, 250);
  const paper: Rgb = [jitter(p, 8), jitter(p, 8), jitter(p - 6, 8)];
  if (rng.chance(0.25)) {
    const [r, g, b] = rng.pick(INKS);
    return { paper, ink: [jitter(r, 15), jitter(g, 15), jitter(b, 15)] };
  }
  const k = rng.uniform(0, 60);
  return { paper, ink: [k, k, k] };
}

function chooseFont(rng: Rng, text: string): FontFace {
  const { latin, cjk } = fonts();
  return hasCjk(text) || rng.chance(0.25) ? rng.pick(cjk) : rng.pick(latin);
}

/** Where a line's text and font come from (default: text.ts's lines and assets.ts's fonts). */
export interface LineSource {
  text(rng: Rng): string;
  font(rng: Rng, text: string): FontFace;
}

const PROJECT_SOURCE: LineSource = { text: randomText, font: chooseFont };

/** Renders one text line as a tight-ish crop, like a detector's box handed to the recognizer. */
export function renderLine(rng: Rng, source: LineSource = PROJECT_SOURCE): TextLine {
  const text = source.text(rng);
  const face = source.font(rng, text);
  const size = rng.int(20, 44);
  const font = `${size}px ${face.family}`;
  const probe = createCanvas(8, 8).getContext('2d');
  probe.font = font;
  const m = probe.measureText(text);
  const left = size * rng.uniform(0.05, 0.6);
  const right = size * rng.uniform(0.05, 0.6);
  const top = size * rng.uniform(0.0, 0.3);
  const bottom = size * rng.uniform(0.0, 0.3);
  const width = Math.ceil(m.width + left + right);
  const height = Math.ceil(m.fontBoundingBoxAscent + m.fontBoundingBoxDescent + top + bottom);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const { paper, ink } = palette(rng, true);
  fillPaper(ctx, rng, paper, width, height);
  ctx.translate(width / 2, height / 2);
  ctx.rotate(rng.normal() * 0.008);
  ctx.translate(-width / 2, -height / 2);
  ctx.font = font;
  ctx.fillStyle = css(ink);
  if (rng.chance(0.3)) ctx.filter = `blur(${rng.uniform(0.3, 0.9).toFixed(2)}px)`;
  ctx.fillText(text, left, top + m.fontBoundingBoxAscent);
  let image: RgbaImage = ctx.getImageData(0, 0, width, height);
  addNoise(image, rng.uniform(0, 7), rng);
  if (rng.chance(0.4)) {
    const s = rng.uniform(0.5, 0.9);
    image = resizeBilinear(image, Math.round(width * s), Math.round(height * s));
  }
  return { image, text };
}

function fillPaper(ctx: SKRSContext2D, rng: Rng, paper: Rgb, width: number, height: number): void {
  const shade = rng.uniform(0.9, 1.05);
  const gradient = ctx.createLinearGradient(0, 0, rng.uniform(0, width), height);
  gradient.addColorStop(0, css(paper));
  gradient.addColorStop(1, css([paper[0] * shade, paper[1] * shade, paper[2] * shade]));
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, width, height);
}

/** Drops characters from the end of `text` until it fits `maxWidth` in the current font. */
function fitText(ctx: SKRSContext2D, text: string, maxWidth: number): string {
  let chars = [...text];
  while (chars.length > 2 && ctx.measureText(chars.join('')).width > maxWidth) {
    const cut = chars.lastIndexOf(' ');
    chars = chars.slice(0, cut > 1 ? cut : Math.max(2, Math.floor(chars.length * 0.85)));
  }
  return chars.join('').trim();
}

/**
 * Renders a document-like page: lines of varied fonts and sizes in one or two columns, with
 * occasional rules and frames, and returns each line's ink box.
 */
export function renderPage(rng: Rng, width = 640, height = 640): Page {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  const { paper, ink } = palette(rng, false);
  fillPaper(ctx, rng, paper, width, height);
  if (rng.chance(0.3)) ctx.filter = `blur(${rng.uniform(0.3, 0.8).toFixed(2)}px)`;
  const margin = rng.int(12, 40);
  const boxes: TextBox[] = [];
  let y = margin;
  for (;;) {
    const size = rng.chance(0.15) ? rng.int(32, 48) : rng.int(11, 28);
    const columns = width >= 400 && rng.chance(0.3) ? 2 : 1;
    const cell = (width - 2 * margin) / columns;
    let lineHeight = 0;
    const row: TextBox[] = [];
    for (let c = 0; c < columns; c++) {
      const x = margin + c * cell + rng.uniform(0, cell * 0.25);
      const raw = randomText(rng) + (rng.chance(0.4) ? randomText(rng) : '');
      ctx.font = `${size}px ${chooseFont(rng, raw).family}`;
      const text = fitText(ctx, raw, margin + (c + 1) * cell - x - 12);
      const m = ctx.measureText(text);
      const baseline = y + m.fontBoundingBoxAscent;
      lineHeight = Math.max(lineHeight, m.fontBoundingBoxAscent + m.fontBoundingBoxDescent);
      if (baseline + m.fontBoundingBoxDescent > height - margin || text.length < 2) continue;
      const lineInk = rng.chance(0.2) ? palette(rng, false).ink : ink;
      ctx.fillStyle = css(lineInk);
      ctx.fillText(text, x, baseline);
      row.push({
        x0: Math.floor(x - m.actualBoundingBoxLeft),
        y0: Math.floor(baseline - m.actualBoundingBoxAscent),
        x1: Math.ceil(x + m.actualBoundingBoxRight),
        y1: Math.ceil(baseline + m.actualBoundingBoxDescent),
        text,
      });
    }
    if (row.length === 0 && y + lineHeight > height - margin) break;
    boxes.push(...row);
    const gap = size * rng.uniform(0.3, 1.3);
    if (row.length > 0 && rng.chance(0.12)) {
      ctx.fillStyle = css([ink[0] + 80, ink[1] + 80, ink[2] + 80]);
      ctx.fillRect(margin, y + lineHeight + gap / 2, width - 2 * margin, rng.chance(0.5) ? 1 : 2);
    }
    y += lineHeight + gap;
  }
  const image = ctx.getImageData(0, 0, width, height);
  addNoise(image, rng.uniform(0, 5), rng);
  return { image, boxes };
}

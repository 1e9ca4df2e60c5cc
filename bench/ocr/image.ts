// RGBA pixel buffers for the OCR benchmark: OpenCV-style bilinear resize, 180° rotation,
// sensor noise, normalisation into NCHW float32 (BGR channel order, as PaddleOCR reads
// images with cv2), and PNG previews. Not a general image library.
import { createCanvas, ImageData } from '@napi-rs/canvas';
import type { Rng } from './text.js';

/** An 8-bit RGBA image, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** One named float32 tensor, as fed to or read from an ONNX model. */
export interface Tensor {
  readonly name: string;
  readonly data: Float32Array;
  readonly dims: number[];
}

/**
 * Resizes with bilinear interpolation on half-pixel centres, as cv2.resize(INTER_LINEAR)
 * does (no antialiasing filter when shrinking).
 */
export function resizeBilinear(image: RgbaImage, width: number, height: number): RgbaImage {
  const { width: sw, height: sh, data: src } = image;
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = sw / width;
  const sy = sh / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) {
        const a = src[(y0 * sw + x0) * 4 + c]! * (1 - wx) + src[(y0 * sw + x1) * 4 + c]! * wx;
        const b = src[(y1 * sw + x0) * 4 + c]! * (1 - wx) + src[(y1 * sw + x1) * 4 + c]! * wx;
        out[o + c] = a * (1 - wy) + b * wy;
      }
    }
  }
  return { width, height, data: out };
}

/** The image turned upside down (rotated by 180°). */
export function rotate180(image: RgbaImage): RgbaImage {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) out.set(image.data.subarray(i * 4, i * 4 + 4), (n - 1 - i) * 4);
  return { width: image.width, height: image.height, data: out };
}

/** Adds gaussian noise of standard deviation `sigma` (0-255 scale) to RGB, in place. */
export function addNoise(image: RgbaImage, sigma: number, rng: Rng): void {
  if (sigma <= 0) return;
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) {
    const shared = rng.normal() * sigma;
    for (let c = 0; c < 3; c++) d[i + c] = d[i + c]! + shared + rng.normal() * sigma * 0.3;
  }
}

/**
 * Writes `image` into `out` (one NCHW float32 sample of `channels x outHeight x outWidth`,
 * starting at `offset`) as (x/255 - mean[c]) / std[c] in BGR order; columns past the image
 * width stay as they are (PaddleOCR pads with 0 after normalising).
 */
export function writeNormalized(
  image: RgbaImage,
  out: Float32Array,
  offset: number,
  outWidth: number,
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
): void {
  const plane = image.height * outWidth;
  for (let c = 0; c < 3; c++) {
    const src = 2 - c; // BGR: channel 0 is blue
    const m = mean[c]!;
    const s = std[c]!;
    for (let y = 0; y < image.height; y++) {
      const row = offset + c * plane + y * outWidth;
      for (let x = 0; x < image.width; x++) {
        out[row + x] = (image.data[(y * image.width + x) * 4 + src]! / 255 - m) / s;
      }
    }
  }
}

/** PNG bytes of an image (for previews). */
export function encodePng(image: RgbaImage): Buffer {
  const canvas = createCanvas(image.width, image.height);
  const data = new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
  canvas.getContext('2d').putImageData(data, 0, 0);
  return canvas.toBuffer('image/png');
}

/** Pastes images side by side (top-aligned) on a white strip, for preview sheets. */
export function stack(images: readonly RgbaImage[], vertical: boolean, gap = 4): RgbaImage {
  const width = vertical
    ? Math.max(...images.map((i) => i.width))
    : images.reduce((w, i) => w + i.width + gap, 0);
  const height = vertical
    ? images.reduce((h, i) => h + i.height + gap, 0)
    : Math.max(...images.map((i) => i.height));
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let at = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) {
      const dst = vertical ? (at + y) * width * 4 : (y * width + at) * 4;
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), dst);
    }
    at += (vertical ? img.height : img.width) + gap;
  }
  return { width, height, data };
}

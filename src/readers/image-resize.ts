// Decoded 8-bit pixels brought to a model's geometry: channel conversion (grey, grey+alpha, RGB,
// RGBA to 1 or 3 channels), resampling with the antialiased triangle (bilinear) filter whose
// weights Pillow's and torchvision's antialiased bilinear resize use (kept in float between the
// two passes, rounded once), and the center crop or black pad.
// One implementation for the CLI (pixels from sharp) and the studio (pixels from a canvas), so
// both faces feed a model the same values. Not decoding (the faces') and not normalisation.

/** Decoded pixels, row-major, `channels` interleaved 8-bit values per pixel (1 to 4). */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  readonly channels: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * `image` with `channels` (1 or 3) channels: alpha dropped (not blended), grey repeated, RGB to
 * grey by Rec. 601 luma (0.299 R + 0.587 G + 0.114 B, as Pillow's convert('L')).
 */
export function convertChannels(image: DecodedImage, channels: 1 | 3): DecodedImage {
  const { width, height, channels: c, data } = image;
  if (c === channels) return image;
  const pixels = width * height;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const at = p * c;
    if (c <= 2) {
      out.fill(data[at]!, p * channels, (p + 1) * channels);
    } else if (channels === 3) {
      out[p * 3] = data[at]!;
      out[p * 3 + 1] = data[at + 1]!;
      out[p * 3 + 2] = data[at + 2]!;
    } else {
      out[p] = Math.round(0.299 * data[at]! + 0.587 * data[at + 1]! + 0.114 * data[at + 2]!);
    }
  }
  return { width, height, channels, data: out };
}

/** Per output index: the first input index and the normalised weights of a triangle filter. */
function filterWeights(from: number, to: number): { first: number[]; weights: number[][] } {
  const scale = from / to;
  const stretch = Math.max(scale, 1);
  const first: number[] = [];
  const weights: number[][] = [];
  for (let i = 0; i < to; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - stretch + 0.5));
    const hi = Math.min(from, Math.trunc(center + stretch + 0.5));
    const w: number[] = [];
    for (let x = lo; x < hi; x++) w.push(Math.max(0, 1 - Math.abs((x - center + 0.5) / stretch)));
    const total = w.reduce((a, b) => a + b, 0);
    first.push(lo);
    weights.push(w.map((v) => (total > 0 ? v / total : 0)));
  }
  return { first, weights };
}

/** One separable pass along rows (`horizontal`) or columns, in float. */
function pass(
  src: Float32Array,
  [h, w, c]: [number, number, number],
  to: number,
  horizontal: boolean,
): Float32Array {
  const { first, weights } = filterWeights(horizontal ? w : h, to);
  const [oh, ow] = horizontal ? [h, to] : [to, w];
  const out = new Float32Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const i = horizontal ? x : y;
      const ws = weights[i]!;
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let t = 0; t < ws.length; t++) {
          const s = first[i]! + t;
          sum += ws[t]! * src[((horizontal ? y : s) * w + (horizontal ? s : x)) * c + k]!;
        }
        out[(y * ow + x) * c + k] = sum;
      }
    }
  }
  return out;
}

/** `image` resampled to `height` x `width` (antialiased triangle filter; rounded, clamped). */
export function resizeImage(image: DecodedImage, height: number, width: number): DecodedImage {
  const { width: w, height: h, channels: c } = image;
  if (h === height && w === width) return image;
  let values: Float32Array = Float32Array.from(image.data);
  if (w !== width) values = pass(values, [h, w, c], width, true);
  if (h !== height) values = pass(values, [h, width, c], height, false);
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++)
    data[i] = Math.min(255, Math.max(0, Math.round(values[i]!)));
  return { width, height, channels: c, data };
}

/** The `height` x `width` window of `image` at (`top`, `left`); outside the image is black. */
export function cropImage(
  image: DecodedImage,
  top: number,
  left: number,
  height: number,
  width: number,
): DecodedImage {
  const c = image.channels;
  const data = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = left + x;
      if (sx < 0 || sx >= image.width) continue;
      for (let k = 0; k < c; k++)
        data[(y * width + x) * c + k] = image.data[(sy * image.width + sx) * c + k]!;
    }
  }
  return { width, height, channels: c, data };
}

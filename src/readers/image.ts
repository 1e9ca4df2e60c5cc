// Calibration samples from decoded images, preprocessed as the model expects: settle the input's
// layout, channels and size (checked before any image is decoded), then per image resize to the
// input's H x W (or a given size), or resize first and center-crop, scale (1/255 by default),
// per-channel mean/std, RGB or BGR, NCHW or NHWC. Pure: pixels in, float tensors out; decoding
// is the caller's (sharp in cli/io/calib-images.ts, a canvas in the studio). Not augmentation.
import { fail } from '../core/errors.js';
import type { Feeds } from '../ptq/batches.js';
import {
  checkFinite,
  checkInputShape,
  checkInputType,
  formatInputShape,
  type ModelInput,
} from '../ptq/model-inputs.js';
import { convertChannels, cropImage, resizeImage, type DecodedImage } from './image-resize.js';

/** How images become model input; every field has a default or comes from the model. */
export interface ImageOptions {
  /** Final [height, width]; the input's static H and W by default. */
  readonly size?: readonly [number, number];
  /** Resize first (a number: the shorter side, aspect kept; a pair: [h, w]), then crop the center. */
  readonly resize?: number | readonly [number, number];
  /**
   * Without `resize`, how to reach `size`: stretch (`fill`, the default), scale and crop the
   * center (`cover`), or scale and pad with black (`contain`).
   */
  readonly fit?: 'fill' | 'cover' | 'contain';
  /** Factor applied to each 0..255 value first; 1/255 by default. */
  readonly scale?: number;
  /** Subtracted after scaling, one value per model channel (or one for all); 0 by default. */
  readonly mean?: readonly number[];
  /** Divides after the mean, one per model channel (or one for all); 1 by default. */
  readonly std?: readonly number[];
  /** Tensor layout; guessed from where the input's 1- or 3-channel axis sits, else NCHW. */
  readonly layout?: 'NCHW' | 'NHWC';
  /** Channel order fed to the model (`mean` and `std` follow it); RGB by default. */
  readonly channels?: 'RGB' | 'BGR';
}

/** The image geometry settled against the model input. */
export interface ImageGeometry {
  readonly input: ModelInput;
  readonly layout: 'NCHW' | 'NHWC';
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  readonly options: ImageOptions;
}

/** An image a caller can decode when its batch comes. */
export interface ImageSource {
  /** A path or file name, for errors. */
  readonly name: string;
  decode(): Promise<DecodedImage>;
}

function perChannel(
  values: readonly number[] | undefined,
  fallback: number,
  channels: number,
  what: string,
): number[] {
  if (values === undefined) return new Array<number>(channels).fill(fallback);
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) {
    fail('bad-argument', `${what} has ${values.length} values for ${channels} channels`);
  }
  return [...values];
}

/** NCHW when axis 1 may be the channels (1, 3 or dynamic), NHWC when only axis 3 can be. */
function guessLayout(dims: ModelInput['dims']): 'NCHW' | 'NHWC' {
  const channelLike = (d: number | undefined): boolean => d === 1 || d === 3;
  if (dims === undefined || dims[1] === undefined || channelLike(dims[1])) return 'NCHW';
  return channelLike(dims[3]) ? 'NHWC' : 'NCHW';
}

/**
 * Settles layout, channels and size for the image input in `inputs` and checks a batch of
 * `batchSize` against its declared shape; `source` (a folder) names the images in errors.
 */
export function planImageInput(
  inputs: readonly ModelInput[],
  options: ImageOptions,
  batchSize: number,
  source: string,
): ImageGeometry {
  if (inputs.length !== 1) {
    fail(
      'bad-argument',
      `an image folder feeds a model with one input; this one has ${inputs.length} ` +
        `(${inputs.map((i) => i.name).join(', ')})`,
    );
  }
  const input = inputs[0]!;
  const dims = input.dims;
  if (dims !== undefined && dims.length !== 4) {
    fail(
      'bad-calibration-data',
      `input '${input.name}' has shape ${formatInputShape(input)}; images feed rank-4 inputs`,
      { input: input.name, file: source },
    );
  }
  const layout = options.layout ?? guessLayout(dims);
  const [cAxis, hAxis, wAxis] = layout === 'NCHW' ? [1, 2, 3] : [3, 1, 2];
  const channels = dims?.[cAxis] ?? 3;
  if (channels !== 1 && channels !== 3) {
    fail('bad-argument', `input '${input.name}' has ${channels} channels; images give 1 or 3`, {
      input: input.name,
    });
  }
  const height = options.size?.[0] ?? dims?.[hAxis];
  const width = options.size?.[1] ?? dims?.[wAxis];
  if (height === undefined || width === undefined) {
    fail(
      'bad-argument',
      `input '${input.name}' has a dynamic height or width ${formatInputShape(input)}; ` +
        'give the image size (--size HxW)',
      { input: input.name },
    );
  }
  perChannel(options.mean, 0, channels, 'mean');
  if (perChannel(options.std, 1, channels, 'std').some((s) => s === 0)) {
    fail('bad-argument', 'std must not be 0');
  }
  const shape =
    layout === 'NCHW' ? [batchSize, channels, height, width] : [batchSize, height, width, channels];
  checkInputType(input, 'float32', { file: source });
  checkInputShape(input, shape, { file: source });
  return { input, layout, channels, height, width, options };
}

/** `image` at the geometry's height x width: resized, then center-cropped or padded. */
export function fitImage(image: DecodedImage, geometry: ImageGeometry, name: string): DecodedImage {
  const { height: H, width: W, options } = geometry;
  const { resize, fit = 'fill' } = options;
  const { height: h, width: w } = image;
  let size: [number, number];
  if (typeof resize === 'number') {
    const s = resize / Math.min(h, w);
    size = [Math.round(h * s), Math.round(w * s)];
  } else if (resize !== undefined) {
    size = [resize[0], resize[1]];
  } else if (fit === 'fill') {
    size = [H, W];
  } else {
    const s = fit === 'cover' ? Math.max(H / h, W / w) : Math.min(H / h, W / w);
    size = [Math.max(1, Math.round(h * s)), Math.max(1, Math.round(w * s))];
  }
  if (resize !== undefined && (size[0] < H || size[1] < W)) {
    fail(
      'bad-argument',
      `${name} resizes to ${size[0]}x${size[1]}, smaller than the crop ${H}x${W}`,
      { file: name },
    );
  }
  const resized = resizeImage(image, size[0], size[1]);
  const top = Math.floor((size[0] - H) / 2);
  const left = Math.floor((size[1] - W) / 2);
  return top === 0 && left === 0 && size[0] === H && size[1] === W
    ? resized
    : cropImage(resized, top, left, H, W);
}

function checkPixels(image: DecodedImage, name: string): void {
  const { width, height, channels, data } = image;
  const valid =
    Number.isInteger(channels) && channels >= 1 && channels <= 4 && width >= 1 && height >= 1;
  if (!valid || data.length !== width * height * channels) {
    fail(
      'bad-file',
      `${name} decoded to ${data.length} values, not ${height}x${width}x${channels} pixels`,
      { file: name },
    );
  }
}

/**
 * Writes the preprocessed `image` (`name` for errors) into `out` (f32 [C, H, W] or [H, W, C])
 * at `offset`: channels converted, fitted to the geometry, scaled, normalised, reordered.
 */
export function preprocessImage(
  image: DecodedImage,
  geometry: ImageGeometry,
  name: string,
  out: Float32Array = new Float32Array(geometry.channels * geometry.height * geometry.width),
  offset = 0,
): Float32Array {
  checkPixels(image, name);
  const { layout, channels: C, height: H, width: W, options } = geometry;
  const img = fitImage(convertChannels(image, C), geometry, name);
  const scale = options.scale ?? 1 / 255;
  const mean = perChannel(options.mean, 0, C, 'mean');
  const std = perChannel(options.std, 1, C, 'std');
  const bgr = options.channels === 'BGR' && C === 3;
  for (let c = 0; c < C; c++) {
    const source = bgr ? C - 1 - c : c;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = img.data[(y * W + x) * C + source]!;
        const at = layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * C + c;
        out[offset + at] = (v * scale - mean[c]!) / std[c]!;
      }
    }
  }
  return out;
}

/** Decodes and preprocesses `images` in batches of `batchSize` (the last may be smaller). */
export async function* imageBatches(
  images: readonly ImageSource[],
  geometry: ImageGeometry,
  batchSize: number,
): AsyncGenerator<Feeds> {
  const { channels: C, height: H, width: W, layout } = geometry;
  const sample = C * H * W;
  const inner = layout === 'NCHW' ? [C, H, W] : [H, W, C];
  for (let first = 0; first < images.length; first += batchSize) {
    const batch = images.slice(first, first + batchSize);
    const data = new Float32Array(batch.length * sample);
    for (const [k, image] of batch.entries()) {
      preprocessImage(await image.decode(), geometry, image.name, data, k * sample);
      checkFinite(geometry.input.name, data.subarray(k * sample, (k + 1) * sample), [1, ...inner], {
        file: image.name,
      });
    }
    yield { [geometry.input.name]: { type: 'float32', dims: [batch.length, ...inner], data } };
  }
}

// Calibration data from a folder of images, decoded by sharp (libvips) and preprocessed as the
// model expects: resize to the input's H x W (or a given size), optionally resize first and
// center-crop, scale (1/255 by default), per-channel mean/std, RGB or BGR, NCHW or NHWC.
// Not augmentation and not letterbox bookkeeping for detectors: one image in, one sample out.
import sharp from 'sharp';
import { fail } from '../../core/errors.js';
import type { Feeds } from '../../ptq/batches.js';
import {
  checkFinite,
  checkInputShape,
  checkInputType,
  formatInputShape,
  type ModelInput,
} from '../../ptq/model-inputs.js';

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
export interface ImagePlan {
  readonly files: readonly string[];
  readonly input: ModelInput;
  readonly layout: 'NCHW' | 'NHWC';
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly options: ImageOptions;
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
 * Settles layout, channels and size for the image input in `inputs` and checks them against
 * its declared shape before any image is decoded.
 */
export function planImages(
  files: readonly string[],
  inputs: readonly ModelInput[],
  options: ImageOptions,
  batchSize: number,
  folder: string,
): ImagePlan {
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
      { input: input.name, file: folder },
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
  checkInputType(input, 'float32', { file: folder });
  checkInputShape(input, shape, { file: folder });
  return { files, input, layout, channels, height, width, options };
}

/** Decodes `file` resized (before any crop) as the plan says: raw 8-bit pixels. */
async function decode(
  file: string,
  plan: ImagePlan,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { resize, fit = 'fill' } = plan.options;
  let image = sharp(file, { failOn: 'error' }).rotate();
  if (typeof resize === 'number') {
    image = image.resize({ width: resize, height: resize, fit: 'outside' });
  } else if (resize !== undefined) {
    image = image.resize({ width: resize[1], height: resize[0], fit: 'fill' });
  } else {
    image = image.resize({
      width: plan.width,
      height: plan.height,
      fit,
      background: { r: 0, g: 0, b: 0 },
    });
  }
  image =
    plan.channels === 1 ? image.toColourspace('b-w') : image.removeAlpha().toColourspace('srgb');
  try {
    const { data, info } = await image
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    return fail('bad-file', `cannot decode image ${file}: ${(error as Error).message}`, { file });
  }
}

/** Writes one preprocessed image into `out` (f32 [C, H, W] or [H, W, C]) at `offset`. */
async function preprocess(
  file: string,
  plan: ImagePlan,
  out: Float32Array,
  offset: number,
): Promise<void> {
  const { layout, channels: C, height: H, width: W, options } = plan;
  const img = await decode(file, plan);
  if (img.height < H || img.width < W) {
    fail(
      'bad-argument',
      `${file} resizes to ${img.height}x${img.width}, smaller than the crop ${H}x${W}`,
      { file },
    );
  }
  const top = Math.floor((img.height - H) / 2);
  const left = Math.floor((img.width - W) / 2);
  const scale = options.scale ?? 1 / 255;
  const mean = perChannel(options.mean, 0, C, 'mean');
  const std = perChannel(options.std, 1, C, 'std');
  const bgr = options.channels === 'BGR' && C === 3;
  for (let c = 0; c < C; c++) {
    const source = bgr ? C - 1 - c : c;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = img.data[((top + y) * img.width + left + x) * img.channels + source]!;
        const at = layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * C + c;
        out[offset + at] = (v * scale - mean[c]!) / std[c]!;
      }
    }
  }
}

/** Decodes the planned images in batches of `batchSize` (the last may be smaller). */
export async function* readImageBatches(plan: ImagePlan, batchSize: number): AsyncGenerator<Feeds> {
  const sample = plan.channels * plan.height * plan.width;
  const inner =
    plan.layout === 'NCHW'
      ? [plan.channels, plan.height, plan.width]
      : [plan.height, plan.width, plan.channels];
  for (let first = 0; first < plan.files.length; first += batchSize) {
    const files = plan.files.slice(first, first + batchSize);
    const data = new Float32Array(files.length * sample);
    for (const [k, file] of files.entries()) {
      await preprocess(file, plan, data, k * sample);
      checkFinite(plan.input.name, data.subarray(k * sample, (k + 1) * sample), [1, ...inner], {
        file,
      });
    }
    yield { [plan.input.name]: { type: 'float32', dims: [files.length, ...inner], data } };
  }
}

// Calibration data from a folder of image files: sharp (libvips) decodes each file to 8-bit
// pixels, EXIF orientation applied, at its own size; readers/image.ts does the rest (geometry,
// resize, crop, scale, mean/std, channel order, layout), as the studio does with a canvas's
// pixels. Only opening and decoding files is here.
import sharp from 'sharp';
import { fail } from '../../core/errors.js';
import type { Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import type { DecodedImage } from '../../readers/image-resize.js';
import {
  imageBatches,
  planImageInput,
  type ImageGeometry,
  type ImageOptions,
} from '../../readers/image.js';

export type { ImageOptions } from '../../readers/image.js';

/** The image geometry settled against the model input, and the files to read. */
export interface ImagePlan extends ImageGeometry {
  readonly files: readonly string[];
}

/** Settles the geometry for `files` (checked against `inputs` before any image is decoded). */
export function planImages(
  files: readonly string[],
  inputs: readonly ModelInput[],
  options: ImageOptions,
  batchSize: number,
  folder: string,
): ImagePlan {
  return { ...planImageInput(inputs, options, batchSize, folder), files };
}

/** Decodes `file` to raw 8-bit pixels, rotated upright; `bad-file` naming it if sharp cannot. */
async function decodeImageFile(file: string): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(file, { failOn: 'error' })
      .rotate()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: info.channels,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    return fail('bad-file', `cannot decode image ${file}: ${(error as Error).message}`, { file });
  }
}

/** Decodes the planned images in batches of `batchSize` (the last may be smaller). */
export function readImageBatches(plan: ImagePlan, batchSize: number): AsyncGenerator<Feeds> {
  const sources = plan.files.map((file) => ({ name: file, decode: () => decodeImageFile(file) }));
  return imageBatches(sources, plan, batchSize);
}

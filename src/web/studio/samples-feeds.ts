// The worker's side of calibration samples: the page's File objects read as bytes (.npy, .npz),
// text (.json, .jsonl) or decoded to pixels with createImageBitmap and an OffscreenCanvas (images), then handed to
// the readers every face shares (src/readers/), which check them against the model's inputs
// and preprocess images exactly as the CLI does. Not parsing or preprocessing itself.
import type { ModelInput } from '../../ptq/model-inputs.js';
import {
  defaultBatchSize,
  readImageCalibration,
  readNpyCalibration,
  readJsonCalibration,
  readNpzArchives,
  readNpzCalibration,
  type CalibrationSamples,
  type DecodedImage,
  type ImageSource,
} from '../../readers/index.js';
import { fail } from '../../core/errors.js';
import type { SampleFiles } from './protocol.js';

/** `file` decoded to 8-bit RGBA pixels, oriented as its EXIF says, alpha not premultiplied. */
async function decodeImage(file: File): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch (error) {
    fail('bad-file', `cannot decode image ${file.name}: ${(error as Error).message}`, {
      file: file.name,
    });
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) fail('io', 'this browser gives no 2D canvas in a worker');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, channels: 4, data: context.getImageData(0, 0, width, height).data };
}

async function bytesOf(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** The samples as checked batches for `inputs`, and how many batches they make. */
export async function calibrationSamples(
  samples: SampleFiles,
  inputs: readonly ModelInput[],
): Promise<{ data: CalibrationSamples; batches: number }> {
  if (samples.kind === 'npy') {
    const files = await Promise.all(
      samples.files.map(async (f) => ({ name: f.name, bytes: await bytesOf(f) })),
    );
    const data = readNpyCalibration(files, inputs);
    return { data, batches: Math.floor(files.length / Math.max(1, inputs.length)) };
  }
  const batchSize = defaultBatchSize(inputs);
  if (samples.kind === 'npz' && samples.files.length === 1) {
    const file = samples.files[0]!;
    const data = readNpzCalibration(await bytesOf(file), file.name, inputs, batchSize);
    return { data, batches: Math.ceil(data.samples / batchSize) };
  }
  if (samples.kind === 'npz') {
    const archives = await Promise.all(
      samples.files.map(async (f) => ({ name: f.name, bytes: await bytesOf(f) })),
    );
    const data = readNpzArchives(archives, inputs, batchSize);
    return { data, batches: Math.ceil(data.samples / batchSize) };
  }
  if (samples.kind === 'json') {
    const texts = await Promise.all(
      samples.files.map(async (f) => ({ name: f.name, text: await f.text() })),
    );
    const data = readJsonCalibration(texts, inputs, batchSize);
    return { data, batches: Math.ceil(data.samples / batchSize) };
  }
  const images: ImageSource[] = samples.files.map((f) => ({
    name: f.webkitRelativePath === '' ? f.name : f.webkitRelativePath,
    decode: () => decodeImage(f),
  }));
  const data = readImageCalibration(images, inputs, samples.image ?? {}, batchSize);
  return { data, batches: Math.ceil(data.samples / batchSize) };
}

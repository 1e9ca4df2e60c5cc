// Opens calibration data for a model: a folder of .npy files (or one .npy file), a .npz
// archive or a folder of them, JSON / JSONL samples (a file, or a folder of them), text lines
// with a tokenizer.json, or a folder of images, chosen by what the path holds. Every source is
// checked against the model's inputs before the first batch is yielded, and read lazily where
// it can be, one batch at a time. Not the calibration itself (ptq/calibrate.ts) and not argument parsing (the commands');
// the parsing and checks are readers/'s, shared with the studio: only file access is here.
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fail } from '../../core/errors.js';
import { rebatch, type Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import type { TokenizerFiles } from '../../readers/text-samples.js';
import { planImages, readImageBatches, type ImageOptions } from './calib-images.js';
import {
  defaultBatchSize,
  readJsonCalibration,
  readNpzCalibration,
  readTextCalibration,
} from '../../readers/calibration.js';
import { planNpyBatches, readNpyBatches } from './calib-npy.js';
import { openNpzFiles } from './calib-npz.js';

export { defaultBatchSize } from '../../readers/calibration.js';

/** How to read calibration data. */
export interface CalibrationDataOptions {
  /**
   * Samples per batch: splits .npz arrays and groups images (default: the input's static batch
   * size, else 1); regroups .npy files when given (each file is one batch otherwise).
   */
  readonly batchSize?: number;
  /** The folder of tokenizer.json for a .txt file (default: the text file's folder). */
  readonly tokenizer?: string;
  /** Preprocessing of image folders. */
  readonly image?: ImageOptions;
}

/** An opened, checked calibration source. */
export interface CalibrationData {
  readonly kind: 'npy' | 'npz' | 'json' | 'text' | 'images';
  /** Samples in all (for progress and ETA); undefined when not cheaply known. */
  readonly samples: number | undefined;
  readonly batches: AsyncIterable<Feeds>;
  /**
   * The file each sample came from, in order, where every sample is one file (images; .npy
   * files of one sample each; the first input's file): what a --loss module looks labels up by.
   */
  readonly files?: readonly string[];
}

/** Image file extensions sharp decodes. */
export const IMAGE_EXTENSIONS = [
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
];

/** The --calib help text of every command that reads calibration data. */
export const CALIB_HELP =
  'calibration data: a folder of images, .npy files (INPUT.*.npy per input) or .npz archives, ' +
  'one .npz, .json/.jsonl samples, or a .txt of lines with the tokenizer.json beside it; ' +
  "arrays of each input's declared type (int64 ids too)";

/** Extensions of JSON samples (JSONL: one object per line). */
const JSON_EXTENSIONS = ['.json', '.jsonl'];

const byName = new Intl.Collator('en', { numeric: true }).compare;

async function listFolder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { withFileTypes: true });
  return names
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort(byName)
    .map((n) => join(dir, n));
}

/**
 * Opens `path` for `inputs`: checks every file's shape and type (or the images' geometry)
 * against the inputs, and returns the sample count and a lazy stream of batches. Fails with
 * `bad-calibration-data` naming the input and file, or `io` when the path cannot be read.
 */
export async function openCalibrationData(
  path: string,
  inputs: readonly ModelInput[],
  options: CalibrationDataOptions = {},
): Promise<CalibrationData> {
  const batchSize = options.batchSize ?? defaultBatchSize(inputs);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    fail('bad-argument', `batch size must be a positive integer, got ${batchSize}`);
  }
  const info = await stat(path).catch((error: Error) =>
    fail('io', `cannot read calibration data ${path}: ${error.message}`, { file: path }),
  );
  const extension = extname(path).toLowerCase();
  if (info.isFile() && extension === '.npz') {
    const bytes = await readFile(path).catch((error: Error) =>
      fail('io', `cannot read calibration data ${path}: ${error.message}`, { file: path }),
    );
    return readNpzCalibration(bytes, path, inputs, batchSize);
  }
  if (info.isFile() && extension === '.txt') {
    const tokenizer = await readTokenizer(options.tokenizer ?? dirname(path));
    return readTextCalibration(
      { name: path, text: await readText(path) },
      tokenizer,
      inputs,
      batchSize,
    );
  }
  const files = info.isDirectory() ? await listFolder(path) : [path];
  const json = files.filter((f) => JSON_EXTENSIONS.includes(extname(f).toLowerCase()));
  if (json.length > 0) {
    const texts = await Promise.all(
      json.map(async (name) => ({ name, text: await readText(name) })),
    );
    return readJsonCalibration(texts, inputs, batchSize);
  }
  const npz = files.filter((f) => extname(f).toLowerCase() === '.npz');
  if (npz.length > 0) {
    const opened = await openNpzFiles(npz, inputs, batchSize);
    if (opened.samples === 0) noSamples(path, 'its .npz archives hold 0 samples');
    return { kind: 'npz', ...opened };
  }
  const npy = files.filter((f) => extname(f).toLowerCase() === '.npy');
  if (npy.length > 0) {
    const plan = await planNpyBatches(npy, inputs);
    if (plan.samples === 0) noSamples(path, 'its .npy files hold 0 samples');
    const batches = readNpyBatches(plan.batches);
    const first = inputs[0]?.name ?? '';
    const perFile = plan.samples === plan.batches.length;
    return {
      kind: 'npy',
      samples: plan.samples,
      ...(perFile ? { files: plan.batches.map((b) => b.get(first)!) } : {}),
      batches: options.batchSize === undefined ? batches : rebatch(batches, options.batchSize),
    };
  }
  const images = files.filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()));
  if (images.length > 0) {
    const plan = planImages(images, inputs, options.image ?? {}, batchSize, path);
    return {
      kind: 'images',
      samples: images.length,
      files: images,
      batches: readImageBatches(plan, batchSize),
    };
  }
  return noSamples(
    path,
    `expected .npy files, .npz archives, .json / .jsonl samples or images (${IMAGE_EXTENSIONS.join(' ')})`,
  );
}

/** tokenizer.json (required) and tokenizer_config.json (optional) of `dir`, parsed. */
async function readTokenizer(dir: string): Promise<TokenizerFiles> {
  const source = join(dir, 'tokenizer.json');
  const parse = (text: string, file: string): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      return fail('bad-file', `${file} is not JSON: ${(error as Error).message}`, { file });
    }
  };
  const text = await readFile(source, 'utf8').catch(() =>
    fail(
      'bad-calibration-data',
      `text calibration data needs a tokenizer: no tokenizer.json in ${dir}; put the model's ` +
        'tokenizer.json (and tokenizer_config.json) beside the text file',
      { file: source },
    ),
  );
  const configFile = join(dir, 'tokenizer_config.json');
  const config = await readFile(configFile, 'utf8').then(
    (t) => parse(t, configFile),
    () => ({}),
  );
  return { source, tokenizer: parse(text, source), config };
}

function readText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: Error) =>
    fail('io', `cannot read calibration data ${path}: ${error.message}`, { file: path }),
  );
}

function noSamples(path: string, why: string): never {
  return fail('bad-calibration-data', `no calibration samples in ${path}: ${why}`, {
    file: path,
  });
}

/** The batches of openCalibrationData(path, inputs, options), as one generator. */
export async function* readCalibrationData(
  path: string,
  inputs: readonly ModelInput[],
  options: CalibrationDataOptions = {},
): AsyncGenerator<Feeds> {
  yield* (await openCalibrationData(path, inputs, options)).batches;
}

// Calibration data held in memory, as a page or a caller with bytes has it: .npy files (name and
// bytes), one .npz archive, JSON / JSONL text, text lines and a tokenizer, or images to decode, each checked against the
// model's inputs (any element type they declare) before the first batch and returned with its
// sample count. The CLI's folder and file handling
// (cli/io/calib-data.ts) ends in the same checks. Not reading files or decoding images.
import { fail } from '../core/errors.js';
import { rebatch, samplesOf, type Feeds } from '../ptq/batches.js';
import type { ModelInput } from '../ptq/model-inputs.js';
import { parseJsonSamples } from './json-samples.js';
import { tokenizeSamples, type TokenizerFiles } from './text-samples.js';
import { imageBatches, planImageInput, type ImageOptions, type ImageSource } from './image.js';
import {
  checkNpyHeader,
  npyFeeds,
  npySamples,
  pairNpyFiles,
  parseNpyHeader,
} from './npy-inputs.js';
import { npzBatches, planNpz } from './npz.js';

/** Checked calibration samples and their batches. */
export interface CalibrationSamples {
  readonly kind: 'npy' | 'npz' | 'json' | 'text' | 'images';
  /** Samples in all (for progress and ETA). */
  readonly samples: number;
  readonly batches: AsyncIterable<Feeds>;
}

/** A named file's bytes. */
export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

/** The batch size `inputs` take when none is given: the first input's static leading size, or 1. */
export function defaultBatchSize(inputs: readonly ModelInput[]): number {
  return inputs[0]?.dims?.[0] ?? 1;
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    fail('bad-argument', `batch size must be a positive integer, got ${batchSize}`);
  }
}

/** `batches` as an async stream, each parsed when asked for. */
async function* lazily(batches: Iterable<Feeds>): AsyncGenerator<Feeds> {
  // eslint-disable-next-line @typescript-eslint/await-thenable -- a sync source, awaited per batch
  for await (const feeds of batches) yield feeds;
}

function noSamples(source: string, why: string): never {
  return fail('bad-calibration-data', `no calibration samples in ${source}: ${why}`, {
    file: source,
  });
}

/**
 * .npy `files` in numeric name order, paired with `inputs` as a folder is (pairNpyFiles); each
 * file one batch, regrouped into `batchSize` samples when given.
 */
export function readNpyCalibration(
  files: readonly NamedBytes[],
  inputs: readonly ModelInput[],
  batchSize?: number,
): CalibrationSamples {
  if (batchSize !== undefined) checkBatchSize(batchSize);
  const byFile = new Map(files.map((f) => [f.name, f.bytes]));
  const pairs = pairNpyFiles([...byFile.keys()].sort(byName), inputs);
  let samples = 0;
  for (const batch of pairs) {
    for (const [k, input] of inputs.entries()) {
      const file = batch.get(input.name)!;
      const header = parseNpyHeader(byFile.get(file)!, file);
      checkNpyHeader(input, header, file);
      if (k === 0) samples += npySamples(header);
    }
  }
  if (samples === 0) noSamples(`${files.length} .npy file(s)`, 'they hold 0 samples');
  function* parsed(): Generator<Feeds> {
    for (const batch of pairs) {
      yield npyFeeds(
        new Map([...batch].map(([input, file]) => [input, { file, bytes: byFile.get(file)! }])),
      );
    }
  }
  const batches = (): AsyncGenerator<Feeds> => lazily(parsed());
  return {
    kind: 'npy',
    samples,
    batches: batchSize === undefined ? batches() : rebatch(batches(), batchSize),
  };
}

/** The arrays of the .npz archive `bytes` (`file` names it) split into `batchSize` samples. */
export function readNpzCalibration(
  bytes: Uint8Array,
  file: string,
  inputs: readonly ModelInput[],
  batchSize = defaultBatchSize(inputs),
): CalibrationSamples {
  checkBatchSize(batchSize);
  const plan = planNpz(bytes, file, inputs, batchSize);
  if (plan.samples === 0) noSamples(file, 'its arrays hold 0 samples');
  return { kind: 'npz', samples: plan.samples, batches: lazily(npzBatches(plan, batchSize)) };
}

/** A named file's text. */
export interface NamedText {
  readonly name: string;
  readonly text: string;
}

/**
 * The samples of JSON / JSONL `files` (parseJsonSamples, in the order given), all parsed and
 * checked now, regrouped into batches of `batchSize` samples where their shapes agree.
 */
export function readJsonCalibration(
  files: readonly NamedText[],
  inputs: readonly ModelInput[],
  batchSize = defaultBatchSize(inputs),
): CalibrationSamples {
  checkBatchSize(batchSize);
  const samples = files.flatMap((f) => parseJsonSamples(f.text, f.name, inputs));
  const count = samples.reduce((n, feeds) => n + samplesOf(feeds), 0);
  if (count === 0) noSamples(files.map((f) => f.name).join(', ') || 'no files', 'no samples');
  return { kind: 'json', samples: count, batches: rebatch(samples, batchSize) };
}

/** The lines of `text` tokenized by `tokenizer` (tokenizeSamples), regrouped into `batchSize`. */
export function readTextCalibration(
  text: NamedText,
  tokenizer: TokenizerFiles,
  inputs: readonly ModelInput[],
  batchSize = defaultBatchSize(inputs),
): CalibrationSamples {
  checkBatchSize(batchSize);
  const samples = tokenizeSamples(text.text, text.name, tokenizer, inputs);
  if (samples.length === 0) noSamples(text.name, 'no non-blank lines');
  return { kind: 'text', samples: samples.length, batches: rebatch(samples, batchSize) };
}

/**
 * Several .npz `archives` (one sample set or a few each, as tokenizer scripts write them), every
 * one checked now; their samples in the order given, regrouped into `batchSize`.
 */
export function readNpzArchives(
  archives: readonly NamedBytes[],
  inputs: readonly ModelInput[],
  batchSize = defaultBatchSize(inputs),
): CalibrationSamples {
  checkBatchSize(batchSize);
  const plans = archives.map((a) => planNpz(a.bytes, a.name, inputs, batchSize));
  const samples = plans.reduce((n, p) => n + p.samples, 0);
  if (samples === 0) noSamples(`${archives.length} .npz archive(s)`, 'their arrays hold 0 samples');
  const each = function* (): Generator<Feeds> {
    for (const plan of plans) yield* npzBatches(plan, batchSize);
  };
  return { kind: 'npz', samples, batches: rebatch(each(), batchSize) };
}

/** `images`, decoded batch by batch and preprocessed for the model's one image input. */
export function readImageCalibration(
  images: readonly ImageSource[],
  inputs: readonly ModelInput[],
  options: ImageOptions = {},
  batchSize = defaultBatchSize(inputs),
  source = `${images.length} image(s)`,
): CalibrationSamples {
  checkBatchSize(batchSize);
  if (images.length === 0) noSamples(source, 'no images');
  const geometry = planImageInput(inputs, options, batchSize, source);
  return {
    kind: 'images',
    samples: images.length,
    batches: imageBatches(images, geometry, batchSize),
  };
}

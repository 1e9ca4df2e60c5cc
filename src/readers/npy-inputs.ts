// .npy arrays matched to a model's inputs, from names and bytes only: a header's dtype and shape
// checked against an input, files paired with inputs (`INPUTNAME.*.npy` for several inputs,
// any name for one), and one batch parsed and checked for NaN and infinity. Not reading files
// (cli/io/calib-npy.ts opens them) and not .npz archives (npz.ts).
import { fail } from '../core/errors.js';
import type { Feeds } from '../ptq/batches.js';
import {
  checkFinite,
  checkInputShape,
  checkInputType,
  type ModelInput,
} from '../ptq/model-inputs.js';
import { npyHeaderSpan, parseNpy, parseNpyHeaderText } from './npy.js';

/** What a .npy header says about the array after it. */
export interface NpyHeader {
  readonly descr: string;
  readonly shape: number[];
  /** Byte offset of the first value. */
  readonly dataOffset: number;
}

/** Byte offset of the values given a .npy file's first 12 bytes; `bad-file` if not .npy. */
export function npyDataOffset(prefix: Uint8Array, file: string): number {
  return npyHeaderSpan(prefix, file).dataStart;
}

/** Parses the header in `bytes` (at least npyDataOffset bytes long). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const { headerStart, dataStart } = npyHeaderSpan(bytes, file);
  if (dataStart > bytes.length) {
    fail('bad-file', `${file} is not a valid .npy file: truncated header`, { file });
  }
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseNpyHeaderText(header, file);
  if (descr === undefined || shape === undefined) {
    fail('bad-file', `${file} is not a valid .npy file: header lacks descr or shape`, { file });
  }
  if (fortran === 'True') {
    fail('bad-file', `${file} holds a Fortran-order array; save it in C order`, { file });
  }
  return { descr, shape, dataOffset: dataStart };
}

/**
 * Fails with `bad-calibration-data` unless the header suits `input`: float32, and `dims` (the
 * header's shape unless given, e.g. one batch of it) fitting the input's shape.
 */
export function checkNpyHeader(
  input: ModelInput,
  header: NpyHeader,
  file: string,
  dims: readonly number[] = header.shape,
): void {
  if (!['<f4', '=f4', '|f4'].includes(header.descr)) {
    fail(
      'bad-calibration-data',
      `${file} holds dtype '${header.descr}' for input '${input.name}', but zeropoint reads ` +
        `float32 ('<f4'); convert it with numpy: array.astype(np.float32)`,
      { input: input.name, file },
    );
  }
  checkInputType(input, 'float32', { file });
  checkInputShape(input, dims, { file });
}

/** One batch's files: input name -> the file (a path or a name) holding its array. */
export type NpyBatchFiles = ReadonlyMap<string, string>;

/** The last path segment of `file`, '/' or '\\' separated. */
function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/**
 * Pairs `files` (sorted .npy paths or names) with `inputs`: all files belong to a one-input
 * model; otherwise `NAME.*.npy` goes to input NAME (the longest matching name), and every input
 * needs as many files as the first. Returns the batches in order; headers are not read here.
 */
export function pairNpyFiles(
  files: readonly string[],
  inputs: readonly ModelInput[],
): NpyBatchFiles[] {
  const byInput = new Map<string, string[]>(inputs.map((i) => [i.name, []]));
  for (const file of files) {
    const name = baseName(file);
    const owner =
      inputs.length === 1
        ? inputs[0]
        : inputs
            .filter((i) => name.startsWith(`${i.name}.`))
            .sort((a, b) => b.name.length - a.name.length)[0];
    if (owner === undefined) {
      fail(
        'bad-calibration-data',
        `${file} matches no model input; name files INPUTNAME.*.npy ` +
          `(inputs: ${inputs.map((i) => i.name).join(', ')})`,
        { file },
      );
    }
    byInput.get(owner.name)!.push(file);
  }
  const counts = inputs.map((i) => byInput.get(i.name)!.length);
  for (const [k, input] of inputs.entries()) {
    if (counts[k] !== counts[0]) {
      fail(
        'bad-calibration-data',
        `input '${input.name}' has ${counts[k]} .npy files but '${inputs[0]!.name}' has ${counts[0]}`,
        { input: input.name },
      );
    }
  }
  return Array.from(
    { length: counts[0] ?? 0 },
    (_, b) => new Map(inputs.map((input) => [input.name, byInput.get(input.name)![b]!])),
  );
}

/** Samples a checked header holds: its leading size (1 for a scalar). */
export function npySamples(header: NpyHeader): number {
  return header.shape.length === 0 ? 1 : header.shape[0]!;
}

/** One batch from .npy bytes per input (`file` names them); NaN or infinity fails naming both. */
export function npyFeeds(
  arrays: ReadonlyMap<string, { readonly file: string; readonly bytes: Uint8Array }>,
): Feeds {
  const feeds: Record<string, Feeds[string]> = {};
  for (const [input, { file, bytes }] of arrays) {
    const array = parseNpy(bytes, file);
    checkFinite(input, array.data, array.shape, { file });
    feeds[input] = { type: 'float32', dims: array.shape, data: array.data };
  }
  return feeds;
}

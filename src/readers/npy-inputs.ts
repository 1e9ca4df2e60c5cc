// .npy arrays matched to a model's inputs, from names and bytes only: a header's dtype (any type
// in npy-dtypes.ts, as the input declares it) and shape checked against an input, files paired
// with inputs (`INPUTNAME.*.npy` for several inputs, any name for one), and one batch parsed and
// checked for NaN and infinity. Not reading files (cli/io/calib-npy.ts) nor .npz (npz.ts).
import { fail } from '../core/errors.js';
import type { Feeds } from '../ptq/batches.js';
import { checkFiniteTensor, checkInputShape, type ModelInput } from '../ptq/model-inputs.js';
import type { RuntimeType } from '../runtime/onnxruntime.js';
import { NPY_DTYPES, typeOfDescr } from './npy-dtypes.js';
import { conversionAdvice, npyHeaderSpan, parseNpyHeaderText, parseNpyTensor } from './npy.js';

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

/** The element type calibration data for `input` must have: as declared, float32 if not. */
export function feedType(input: ModelInput, file?: string): RuntimeType {
  const declared = input.dtype ?? 'float32';
  if (!Object.hasOwn(NPY_DTYPES, declared)) {
    fail(
      'bad-calibration-data',
      `input '${input.name}' is ${declared}, which zeropoint cannot feed ` +
        `(it feeds ${Object.keys(NPY_DTYPES).join(', ')})`,
      { input: input.name, ...(file === undefined ? {} : { file }) },
    );
  }
  return declared as RuntimeType;
}

/**
 * Fails with `bad-calibration-data` unless the header suits `input`: the element type it
 * declares (float32 when it declares none), and `dims` (the header's shape unless given, e.g.
 * one batch of it) fitting the input's shape.
 */
export function checkNpyHeader(
  input: ModelInput,
  header: NpyHeader,
  file: string,
  dims: readonly number[] = header.shape,
): void {
  const expected = feedType(input, file);
  if (typeOfDescr(header.descr) !== expected) {
    fail(
      'bad-calibration-data',
      `input '${input.name}' expects ${expected} ('${NPY_DTYPES[expected].descr}'), but ${file} ` +
        `holds dtype '${header.descr}'; ${conversionAdvice(expected)}`,
      { input: input.name, file },
    );
  }
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
      const first = files[0]!;
      const dir = first.slice(0, first.length - baseName(first).length) || 'the files given';
      fail(
        'bad-calibration-data',
        `input '${input.name}' has ${counts[k]} .npy files named ${input.name}.*.npy in ${dir} ` +
          `but '${inputs[0]!.name}' has ${counts[0]}; each sample needs one file per input`,
        { input: input.name, file: first },
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
    const array = parseNpyTensor(bytes, file);
    const tensor = { type: array.type, dims: array.shape, data: array.data };
    checkFiniteTensor(input, tensor, { file });
    feeds[input] = tensor;
  }
  return feeds;
}

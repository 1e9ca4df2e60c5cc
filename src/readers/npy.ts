// NumPy .npy files (format versions 1.0-3.0) as bytes: parse an array of any element type a model
// input can declare (npy-dtypes.ts), or a float32 one for callers that need float32, and write
// one. Not file I/O (callers read and write the bytes) and not checking an array against a
// model's input (npy-inputs.ts).
import { fail } from '../core/errors.js';
import { sizeOf } from '../core/granularity.js';
import type { RuntimeType } from '../runtime/onnxruntime.js';
import { NPY_DTYPES, typeOfDescr, viewValues, type TensorData } from './npy-dtypes.js';

/** A float32 array read from a .npy file. */
export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** The longest header np.load reads (its max_header_size, numpy >= 1.24). */
const MAX_HEADER_BYTES = 10000;

function badNpy(file: string, why: string): never {
  return fail('bad-file', `${file} is not a valid .npy file: ${why}`, { file });
}

/**
 * Where the header text of .npy bytes starts and the values begin, from the first 12 bytes;
 * `bad-file` for a wrong magic or version, or a header length no numpy writes (so a corrupted
 * length never sizes an allocation).
 */
export function npyHeaderSpan(
  prefix: Uint8Array,
  file: string,
): { headerStart: number; dataStart: number } {
  if (prefix.length < 10 || MAGIC.some((b, i) => prefix[i] !== b)) {
    badNpy(file, 'missing the NUMPY magic');
  }
  const major = prefix[6]!;
  if (major < 1 || major > 3) badNpy(file, `format version ${major} (numpy writes 1 to 3)`);
  const wide = major >= 2;
  if (wide && prefix.length < 12) badNpy(file, 'truncated header');
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLength = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  if (headerLength > MAX_HEADER_BYTES) {
    badNpy(file, `a header of ${headerLength} bytes (numpy reads at most ${MAX_HEADER_BYTES})`);
  }
  const headerStart = wide ? 12 : 10;
  return { headerStart, dataStart: headerStart + headerLength };
}

/** The dtype, order and shape a .npy header's text declares; `bad-file` for a bad shape. */
export function parseNpyHeaderText(
  header: string,
  file: string,
): { descr?: string; fortran?: string; shape?: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  const shape = shapeText
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape?.some((d) => !Number.isSafeInteger(d) || d < 0) === true) {
    badNpy(file, `bad shape (${shapeText})`);
  }
  return {
    ...(descr === undefined ? {} : { descr }),
    ...(fortran === undefined ? {} : { fortran }),
    ...(shape === undefined ? {} : { shape }),
  };
}

/** The dtypes zeropoint reads, for messages. */
const READ = Object.values(NPY_DTYPES)
  .map((d) => d.descr)
  .join(' ');

/** The advice that converts an array to `type`. */
export function conversionAdvice(type: RuntimeType): string {
  return `convert it with numpy: array.astype(np.${NPY_DTYPES[type].numpy})`;
}

/** An array of any element type read from a .npy file. */
export interface NpyTensor {
  readonly type: RuntimeType;
  readonly shape: number[];
  readonly data: TensorData;
}

/**
 * Parses .npy bytes holding a little-endian C-order array of a type in NPY_DTYPES; `file` names
 * it in errors. With `expected`, another dtype fails with the numpy call that converts it.
 * Values are a view of `bytes` when aligned.
 */
export function parseNpyTensor(
  bytes: Uint8Array,
  file = '<npy>',
  expected?: RuntimeType,
): NpyTensor {
  const { headerStart, dataStart } = npyHeaderSpan(bytes, file);
  if (dataStart > bytes.length) badNpy(file, 'truncated header');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseNpyHeaderText(header, file);
  if (descr === undefined || fortran === undefined || shape === undefined) {
    badNpy(file, 'header lacks descr, fortran_order or shape');
  }
  const type = typeOfDescr(descr);
  if (expected !== undefined && type !== expected) {
    fail(
      'bad-file',
      `${file} holds dtype '${descr}' where ${expected} is read; ${conversionAdvice(expected)}`,
      {
        file,
      },
    );
  }
  if (type === undefined) {
    fail('bad-file', `${file} holds dtype '${descr}', which zeropoint does not read (${READ})`, {
      file,
    });
  }
  if (fortran === 'True') badNpy(file, 'Fortran-order arrays are not supported; save with C order');
  const count = sizeOf(shape);
  const size = NPY_DTYPES[type].bytes;
  if (bytes.length - dataStart < count * size) {
    badNpy(file, `truncated data: shape (${shape.join(', ')}) needs ${count * size} bytes`);
  }
  return { type, shape, data: viewValues(bytes, dataStart, count, type) };
}

/** Parses .npy bytes holding a float32 array (as parseNpyTensor); another dtype is `bad-file`. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  const { shape, data } = parseNpyTensor(bytes, file, 'float32');
  return { shape, data: data as Float32Array };
}

/** Serialises a float32 C-order array as .npy version 1.0 bytes. */
export function serializeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  return serializeNpyTensor({ type: 'float32', shape: [...shape], data });
}

/** Serialises a C-order array of any NPY_DTYPES type as .npy version 1.0 bytes. */
export function serializeNpyTensor(tensor: NpyTensor): Uint8Array {
  const { type, shape, data } = tensor;
  if (sizeOf(shape) !== data.length) {
    fail('bad-shape', `${data.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${NPY_DTYPES[type].descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

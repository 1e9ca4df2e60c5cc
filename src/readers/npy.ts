// NumPy .npy files (format versions 1.0-3.0) as bytes: parse a float32 array, write one.
// Not file I/O (callers read and write the bytes) and not other dtypes: zeropoint
// quantizes float32, and says so when handed anything else.
import { fail } from '../core/errors.js';
import { sizeOf } from '../core/granularity.js';

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

/** Parses .npy bytes holding a little-endian float32 C-order array; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  const { headerStart, dataStart } = npyHeaderSpan(bytes, file);
  if (dataStart > bytes.length) badNpy(file, 'truncated header');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const { descr, fortran, shape } = parseNpyHeaderText(header, file);
  if (descr === undefined || fortran === undefined || shape === undefined) {
    badNpy(file, 'header lacks descr, fortran_order or shape');
  }
  if (descr !== '<f4' && descr !== '=f4' && descr !== '|f4') {
    fail(
      'bad-file',
      `${file} holds dtype '${descr}', but zeropoint reads float32 ('<f4'); convert it with ` +
        `numpy: np.save(path, array.astype(np.float32))`,
      { file },
    );
  }
  if (fortran === 'True') badNpy(file, 'Fortran-order arrays are not supported; save with C order');
  const count = sizeOf(shape);
  if (bytes.length - dataStart < count * 4) {
    badNpy(file, `truncated data: shape (${shape.join(', ')}) needs ${count * 4} bytes`);
  }
  const start = bytes.byteOffset + dataStart;
  // Misaligned values are copied; not with slice(), which on a Node Buffer is another view.
  const data =
    start % 4 === 0
      ? new Float32Array(bytes.buffer, start, count)
      : new Float32Array(new Uint8Array(bytes.subarray(dataStart, dataStart + count * 4)).buffer);
  return { shape, data };
}

/** Serialises a float32 C-order array as .npy version 1.0 bytes. */
export function serializeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (sizeOf(shape) !== data.length) {
    fail('bad-shape', `${data.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
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

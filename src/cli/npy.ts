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

/** Parses .npy bytes holding a little-endian float32 C-order array; `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  const bad = (why: string): never =>
    fail('bad-file', `${file} is not a valid .npy file: ${why}`, { file });
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('missing the NUMPY magic');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = major >= 2;
  if (wide && bytes.length < 12) bad('truncated header');
  const headerLength = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const headerStart = wide ? 12 : 10;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) bad('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    bad('header lacks descr, fortran_order or shape');
  }
  if (descr !== '<f4' && descr !== '=f4' && descr !== '|f4') {
    fail(
      'bad-file',
      `${file} holds dtype '${descr}', but zeropoint reads float32 ('<f4'); convert it with ` +
        `numpy: np.save(path, array.astype(np.float32))`,
      { file },
    );
  }
  if (fortran === 'True') bad('Fortran-order arrays are not supported; save with C order');
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(`bad shape (${shapeText})`);
  const count = sizeOf(shape);
  if (bytes.length - dataStart < count * 4) {
    bad(`truncated data: shape (${shape.join(', ')}) needs ${count * 4} bytes`);
  }
  const start = bytes.byteOffset + dataStart;
  const data =
    start % 4 === 0
      ? new Float32Array(bytes.buffer, start, count)
      : new Float32Array(bytes.slice(dataStart, dataStart + count * 4).buffer);
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

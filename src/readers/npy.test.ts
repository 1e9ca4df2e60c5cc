import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/errors.js';
import { npyHeaderSpan, parseNpy, serializeNpy } from './npy.js';
import { asFloat64Header } from '../../test/helpers/npy.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'not-a-zeropoint-error';
  }
  return undefined;
}

describe('npy', () => {
  it('round-trips a float32 array with its shape', () => {
    const data = Float32Array.of(1, -2.5, 3e-8, 0, -0, 7);
    const back = parseNpy(serializeNpy(data, [2, 3]));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('writes a 64-byte aligned header as numpy does', () => {
    const bytes = serializeNpy(Float32Array.of(1), [1]);
    expect((bytes.length - 4) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, bytes.length - 4))).toContain(
      "'shape': (1,)",
    );
  });

  it('reads a scalar (shape ()) and a misaligned buffer', () => {
    const bytes = serializeNpy(Float32Array.of(4.5), []);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const back = parseNpy(shifted.subarray(1));
    expect(back.shape).toEqual([]);
    expect(Array.from(back.data)).toEqual([4.5]);
  });

  it('rejects other dtypes, naming the dtype and how to convert', () => {
    const bytes = serializeNpy(Float32Array.of(1, 2), [2]);
    const f8 = asFloat64Header(bytes);
    expect(() => parseNpy(f8, 'w.npy')).toThrow(/'<f8'.*astype\(np.float32\)/);
  });

  it('rejects truncated data and headers, and non-npy bytes, as bad-file', () => {
    const bytes = serializeNpy(new Float32Array(16), [4, 4]);
    expect(codeOf(() => parseNpy(bytes.subarray(0, bytes.length - 1)))).toBe('bad-file');
    expect(codeOf(() => parseNpy(bytes.subarray(0, 40)))).toBe('bad-file');
    expect(codeOf(() => parseNpy(new TextEncoder().encode('hello world, not numpy')))).toBe(
      'bad-file',
    );
  });

  // Defects the fuzzer (test/fuzz/) found.
  it('parses a Node Buffer whose values start at an odd offset (slice() of a Buffer was a view of its whole pool)', () => {
    const bytes = serializeNpy(Float32Array.of(1.5, -2, 3), [3]);
    // numpy pads headers to 64 bytes; other writers do not: one byte shorter moves the values.
    const headerLength = bytes[8]! - 1;
    const odd = new Uint8Array(bytes.length - 1);
    odd.set(bytes.subarray(0, 10 + headerLength));
    odd.set(bytes.subarray(10 + headerLength + 1), 10 + headerLength);
    odd[8] = headerLength;
    const buffer = Buffer.concat([Buffer.alloc(3), Buffer.from(odd)]).subarray(3);
    const back = parseNpy(buffer);
    expect(back.shape).toEqual([3]);
    expect(Array.from(back.data)).toEqual([1.5, -2, 3]);
  });

  it('refuses a format version other than 1 to 3 as bad-file', () => {
    const bytes = serializeNpy(Float32Array.of(1), [1]);
    for (const version of [0, 4, 255]) {
      const out = bytes.slice();
      out[6] = version;
      expect(codeOf(() => parseNpy(out))).toBe('bad-file');
    }
  });

  it("refuses a header length past numpy's limit before reading it (a 4 GiB length crashed the string decoder)", () => {
    const out = new Uint8Array(64);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(out.buffer).setUint32(8, 0xffffffff, true);
    expect(() => parseNpy(out, 'big.npy')).toThrow(/4294967295 bytes/);
    expect(() => npyHeaderSpan(out, 'big.npy')).toThrow(/numpy reads at most/);
  });

  it('refuses shapes that are not safe integers (1e20, 2^53 + 1) as a bad shape', () => {
    for (const shape of ['(1e20,)', '(9007199254740993,)']) {
      const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }\n`;
      const out = new Uint8Array(10 + header.length + 4);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
      out.set(new TextEncoder().encode(header), 10);
      expect(() => parseNpy(out)).toThrow(/bad shape/);
    }
  });
});

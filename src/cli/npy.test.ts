import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/errors.js';
import { parseNpy, serializeNpy } from './npy.js';
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
});

// .npy arrays of every element type a model input can declare: written and read back with
// their type, shape and values (int64 ids past 2^53 included), viewed or copied when
// misaligned, and unknown or big-endian dtypes refused naming the file and the dtype.
import { describe, expect, it } from 'vitest';
import type { RuntimeTensor, RuntimeType } from '../runtime/onnxruntime.js';
import { NPY_DTYPES, typeOfDescr } from './npy-dtypes.js';
import { parseNpyTensor, serializeNpyTensor } from './npy.js';

const SAMPLES: Readonly<Record<RuntimeType, RuntimeTensor['data']>> = {
  float32: Float32Array.of(1.5, -0, 3e-8, -7, 0, 2),
  float16: Uint16Array.of(0x3c00, 0xbc00, 0x7bff, 0, 0x8000, 0x0001),
  int8: Int8Array.of(-128, 127, 0, -1, 5, 6),
  uint8: Uint8Array.of(0, 255, 1, 2, 3, 4),
  int32: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, 101, 102, -5),
  int64: BigInt64Array.of(101n, 2n ** 62n, -1n, 0n, 30522n, 2n ** 53n + 1n),
  bool: Uint8Array.of(1, 0, 0, 1, 1, 0),
};

describe('.npy of every input type', () => {
  for (const type of Object.keys(SAMPLES) as RuntimeType[]) {
    it(`${type} round-trips with its type, shape and values`, () => {
      const bytes = serializeNpyTensor({ type, shape: [2, 3], data: SAMPLES[type] });
      const values = (t: RuntimeTensor['data']): unknown[] => Array.from(t as ArrayLike<unknown>);
      const header = new TextDecoder().decode(bytes.subarray(10, 80));
      expect(header).toContain(`'descr': '${NPY_DTYPES[type].descr}'`);
      const back = parseNpyTensor(bytes, `${type}.npy`);
      expect(back.type).toBe(type);
      expect(back.shape).toEqual([2, 3]);
      expect(back.data).toBeInstanceOf(NPY_DTYPES[type].array);
      expect(values(back.data)).toEqual(values(SAMPLES[type]));
    });
  }

  it('misaligned int64 values are copied, not viewed at an odd offset', () => {
    const bytes = serializeNpyTensor({ type: 'int64', shape: [6], data: SAMPLES.int64 });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = parseNpyTensor(shifted.subarray(3), 'ids.npy');
    expect(back.data.buffer).not.toBe(shifted.buffer);
    expect(Array.from(back.data as BigInt64Array)).toEqual(
      Array.from(SAMPLES.int64 as BigInt64Array),
    );
  });

  it("numpy's spellings of a type read as it ('=i8', '<i8'), others as nothing", () => {
    expect(typeOfDescr('<i8')).toBe('int64');
    expect(typeOfDescr('=i8')).toBe('int64');
    expect(typeOfDescr('|b1')).toBe('bool');
    expect(typeOfDescr('>i8')).toBeUndefined();
    expect(typeOfDescr('<f8')).toBeUndefined();
  });

  it('a big-endian or float64 file fails naming the file, the dtype and what is read', () => {
    const bytes = serializeNpyTensor({ type: 'int64', shape: [6], data: SAMPLES.int64 });
    const text = new TextDecoder('latin1').decode(bytes);
    const big = bytes.slice();
    big[text.indexOf('<i8')] = '>'.charCodeAt(0);
    expect(() => parseNpyTensor(big, 'ids.npy')).toThrow(
      /ids\.npy holds dtype '>i8', which zeropoint does not read \(.*<i8.*\)/,
    );
    expect(() => parseNpyTensor(bytes, 'ids.npy', 'int32')).toThrow(
      /ids\.npy holds dtype '<i8' where int32 is read; .*astype\(np\.int32\)/,
    );
  });

  it('truncated int64 data counts 8 bytes a value', () => {
    const bytes = serializeNpyTensor({ type: 'int64', shape: [6], data: SAMPLES.int64 });
    expect(() => parseNpyTensor(bytes.subarray(0, bytes.length - 8), 'ids.npy')).toThrow(
      /truncated data: shape \(6\) needs 48 bytes/,
    );
  });
});

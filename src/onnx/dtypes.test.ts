// The dtype table against the generated ONNX enum and core's qtypes, and the element codecs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QTYPES, QTYPE_NAMES } from '../core/index.js';
import {
  DTYPES,
  DTYPE_NAMES,
  bfloat16ToNumber,
  dtypeFromOnnx,
  numberToBfloat16,
  rawByteLength,
  requireDType,
  swapBytes,
} from './dtypes.js';
import { TensorProto_DataType } from './gen/onnx_pb.js';

/** ONNX's enum spelling of each dtype name (onnxruntime's names differ for two of them). */
function onnxEnumName(name: string): string {
  if (name === 'float32') return 'FLOAT';
  if (name === 'float64') return 'DOUBLE';
  return name.toUpperCase();
}

describe('DTYPES', () => {
  it('each row carries the TensorProto.DataType value of its name', () => {
    for (const name of DTYPE_NAMES) {
      const enumValues = TensorProto_DataType as unknown as Record<string, number>;
      expect([name, DTYPES[name].onnx]).toEqual([name, enumValues[onnxEnumName(name)]]);
    }
  });

  it('integer quant rows are core QTYPES rows: same enum value, bits and storage', () => {
    for (const q of QTYPE_NAMES) {
      expect(DTYPES[q].onnx).toBe(QTYPES[q].onnx);
      expect(DTYPES[q].bits).toBe(QTYPES[q].bits);
      expect(DTYPES[q].array).toBe(QTYPES[q].storage);
      expect(DTYPES[q].codec).toBe(QTYPES[q].bits < 8 ? 'packed' : 'plain');
    }
  });

  it('dtypeFromOnnx inverts the table and knows nothing else', () => {
    for (const name of DTYPE_NAMES) expect(dtypeFromOnnx(DTYPES[name].onnx)).toBe(name);
    expect(dtypeFromOnnx(TensorProto_DataType.STRING)).toBeUndefined();
    expect(dtypeFromOnnx(99)).toBeUndefined();
  });

  it('requireDType names the tensor: bad-model for 0 or unknown, unsupported-qtype for string', () => {
    expect(() => requireDType(0, 'w')).toThrow(
      expect.objectContaining({ code: 'bad-model', context: { tensor: 'w' } }),
    );
    expect(() => requireDType(1000, 'w')).toThrow(expect.objectContaining({ code: 'bad-model' }));
    expect(() => requireDType(TensorProto_DataType.COMPLEX64, 'c')).toThrow(
      expect.objectContaining({ code: 'unsupported-qtype', context: { tensor: 'c' } }),
    );
    expect(() => requireDType(TensorProto_DataType.COMPLEX64, 'c')).toThrow(/COMPLEX64/);
  });

  it('raw byte length packs 4-bit two per byte and 2-bit four per byte, rounding up', () => {
    expect(rawByteLength('int4', 5)).toBe(3);
    expect(rawByteLength('uint2', 5)).toBe(2);
    expect(rawByteLength('float4e2m1', 4)).toBe(2);
    expect(rawByteLength('float16', 3)).toBe(6);
    expect(rawByteLength('int64', 2)).toBe(16);
    expect(rawByteLength('bool', 0)).toBe(0);
  });
});

describe('bfloat16', () => {
  it('decodes bit patterns: 1, -2, +Inf, smallest subnormal, NaN', () => {
    expect(bfloat16ToNumber(0x3f80)).toBe(1);
    expect(bfloat16ToNumber(0xc000)).toBe(-2);
    expect(bfloat16ToNumber(0x7f80)).toBe(Infinity);
    expect(bfloat16ToNumber(0x0001)).toBe(2 ** -133);
    expect(bfloat16ToNumber(0x7fc0)).toBeNaN();
    expect(Object.is(bfloat16ToNumber(0x8000), -0)).toBe(true);
  });

  it('encodes ties to even: 1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6', () => {
    expect(numberToBfloat16(1 + 2 ** -8)).toBe(0x3f80);
    expect(numberToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(numberToBfloat16(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(numberToBfloat16(NaN) & 0x7fc0).toBe(0x7fc0);
    expect(numberToBfloat16(3.4e38)).toBe(0x7f80); // past the largest bfloat16: rounds to Inf
  });

  it('decode(encode(x)) is x for every bfloat16 value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (bits) => {
        const x = bfloat16ToNumber(bits);
        if (x !== x) return Number.isNaN(bfloat16ToNumber(numberToBfloat16(x))); // NaN stays NaN
        return numberToBfloat16(x) === bits;
      }),
    );
  });
});

describe('swapBytes', () => {
  it('reverses each element and is its own inverse', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(Array.from(swapBytes(bytes, 4))).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    expect(Array.from(swapBytes(bytes, 2))).toEqual([2, 1, 4, 3, 6, 5, 8, 7]);
    expect(swapBytes(swapBytes(bytes, 8), 8)).toEqual(bytes);
  });
});

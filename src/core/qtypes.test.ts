import { describe, expect, it } from 'vitest';
import { QTYPES, QTYPE_NAMES, allocate, isQType, qtypeFromOnnx } from './qtypes.js';

describe('qtype table', () => {
  it('has the bounds 2^(b-1) for signed and 2^b - 1 for unsigned types', () => {
    expect(QTYPE_NAMES.map((n) => [n, QTYPES[n].qmin, QTYPES[n].qmax])).toEqual([
      ['int2', -2, 1],
      ['uint2', 0, 3],
      ['int4', -8, 7],
      ['uint4', 0, 15],
      ['int8', -128, 127],
      ['uint8', 0, 255],
      ['int16', -32768, 32767],
      ['uint16', 0, 65535],
    ]);
  });

  it('maps ONNX TensorProto.DataType values both ways', () => {
    expect([2, 3, 4, 5, 21, 22, 25, 26].map(qtypeFromOnnx)).toEqual([
      'uint8',
      'int8',
      'uint16',
      'int16',
      'uint4',
      'int4',
      'uint2',
      'int2',
    ]);
    expect(qtypeFromOnnx(1)).toBeUndefined();
  });

  it('is frozen so runtime maps cannot drift', () => {
    expect(Object.isFrozen(QTYPES)).toBe(true);
    expect(Object.isFrozen(QTYPES.int8)).toBe(true);
  });

  it('allocates storage that can hold every value of the type', () => {
    for (const name of QTYPE_NAMES) {
      const a = allocate(name, 2);
      a[0] = QTYPES[name].qmin;
      a[1] = QTYPES[name].qmax;
      expect(Array.from(a)).toEqual([QTYPES[name].qmin, QTYPES[name].qmax]);
    }
    expect(isQType('int4')).toBe(true);
    expect(isQType('float8')).toBe(false);
  });
});

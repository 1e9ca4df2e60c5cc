import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pack, unpack } from './pack.js';
import { QTYPES, QTYPE_NAMES } from './qtypes.js';

describe('pack and unpack', () => {
  it('puts the first int4 in the low nibble (ONNX packing)', () => {
    expect(Array.from(pack('int4', [1, -1, 7]))).toEqual([0xf1, 0x07]);
    expect(Array.from(pack('uint4', [0xa, 0x5]))).toEqual([0x5a]);
  });

  it('puts four 2-bit values per byte, first in the lowest bits', () => {
    expect(Array.from(pack('uint2', [1, 2, 3, 0, 3]))).toEqual([0b00111001, 0b11]);
    expect(Array.from(unpack('int2', Uint8Array.of(0b10110100), 4))).toEqual([0, 1, -1, -2]);
  });

  it('stores 16-bit values little-endian', () => {
    expect(Array.from(pack('int16', [-2, 258]))).toEqual([0xfe, 0xff, 0x02, 0x01]);
  });

  it('unpacks from a Node Buffer view at an offset without reading its pool', () => {
    const view = Buffer.from([9, 9, 9, 1, 0, 2, 0]).subarray(3);
    expect(Array.from(unpack('int16', view, 2))).toEqual([1, 2]);
  });

  for (const qtype of QTYPE_NAMES) {
    it(`unpack(pack(v)) == v for ${qtype}`, () => {
      const { qmin, qmax } = QTYPES[qtype];
      fc.assert(
        fc.property(fc.array(fc.integer({ min: qmin, max: qmax }), { maxLength: 67 }), (values) => {
          const packed = pack(qtype, values);
          expect(packed.length).toBe(Math.ceil((values.length * QTYPES[qtype].bits) / 8));
          expect(Array.from(unpack(qtype, packed, values.length))).toEqual(values);
        }),
      );
    });
  }
});

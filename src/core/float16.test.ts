import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { f16round, float16ToNumber, numberToFloat16 } from './float16.js';

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0xc000)).toBe(-2);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
  });

  it('encodes with ties to even and overflows to infinity', () => {
    expect(numberToFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even mantissa
    expect(numberToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even mantissa
    expect(numberToFloat16(65520)).toBe(0x7c00);
    expect(numberToFloat16(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(numberToFloat16(3 * 2 ** -25)).toBe(2); // tie -> even subnormal
  });

  it('round-trips every finite float16 bit pattern', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      expect(numberToFloat16(float16ToNumber(bits))).toBe(bits);
    }
  });

  it('f16round picks the nearer float16 neighbour', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const r = f16round(x);
        const magnitude = numberToFloat16(Math.abs(r));
        const up = float16ToNumber(magnitude + 1);
        const down = float16ToNumber(Math.max(0, magnitude - 1));
        expect(Math.abs(x - r)).toBeLessThanOrEqual(Math.abs(Math.abs(x) - up));
        expect(Math.abs(x - r)).toBeLessThanOrEqual(Math.abs(Math.abs(x) - down));
      }),
    );
  });
});

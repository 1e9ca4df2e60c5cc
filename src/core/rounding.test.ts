import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { roundHalfEven } from './rounding.js';

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, -0, -2, -2, -4,
    ]);
  });

  it('rounds non-ties to the nearest integer', () => {
    expect([0.49999997, 0.50000006, -1.2, 2.7, 126.5000001].map(roundHalfEven)).toEqual([
      0, 1, -1, 3, 127,
    ]);
  });

  it('passes NaN, infinities and huge integers through', () => {
    expect(roundHalfEven(NaN)).toBeNaN();
    expect(roundHalfEven(Infinity)).toBe(Infinity);
    expect(roundHalfEven(-Infinity)).toBe(-Infinity);
    expect(roundHalfEven(2 ** 60 + 2 ** 10)).toBe(2 ** 60 + 2 ** 10);
  });

  it('agrees with a floor-based definition on every double', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        const f = Math.floor(x);
        const d = x - f;
        const expected = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
        expect(roundHalfEven(x)).toBe(expected === 0 ? roundHalfEven(x) : expected);
        expect(Math.abs(roundHalfEven(x))).toBe(Math.abs(expected));
      }),
    );
  });
});

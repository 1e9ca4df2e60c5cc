import { describe, expect, it } from 'vitest';
import { isZeropointError } from './errors.js';
import { chooseQParams, quantRange } from './qparams.js';

const f = Math.fround;

describe('quantRange', () => {
  it('narrows signed symmetric grids to [-(2^(b-1)-1), 2^(b-1)-1] by default', () => {
    expect(quantRange({ qtype: 'int8', scheme: 'symmetric' })).toEqual({ qmin: -127, qmax: 127 });
    expect(quantRange({ qtype: 'int4', scheme: 'symmetric' })).toEqual({ qmin: -7, qmax: 7 });
    expect(quantRange({ qtype: 'int8', scheme: 'symmetric', range: 'full' })).toEqual({
      qmin: -128,
      qmax: 127,
    });
  });

  it('centres unsigned symmetric grids on 2^(b-1): uint8 is [1, 255] around 128', () => {
    expect(quantRange({ qtype: 'uint8', scheme: 'symmetric' })).toEqual({ qmin: 1, qmax: 255 });
  });

  it('reduceRange drops one bit: int8 [-64, 63], uint8 [0, 127]', () => {
    expect(quantRange({ qtype: 'int8', scheme: 'asymmetric', reduceRange: true })).toEqual({
      qmin: -64,
      qmax: 63,
    });
    expect(quantRange({ qtype: 'uint8', scheme: 'asymmetric', reduceRange: true })).toEqual({
      qmin: 0,
      qmax: 127,
    });
    expect(quantRange({ qtype: 'int8', scheme: 'symmetric', reduceRange: true })).toEqual({
      qmin: -63,
      qmax: 63,
    });
  });

  it('asymmetric grids are the whole type', () => {
    expect(quantRange({ qtype: 'uint16', scheme: 'asymmetric' })).toEqual({ qmin: 0, qmax: 65535 });
  });
});

describe('chooseQParams', () => {
  it('symmetric int8: scale = absmax / 127, zero point 0', () => {
    expect(chooseQParams(-1, 2, { qtype: 'int8', scheme: 'symmetric' })).toEqual({
      scale: f(2 / 127),
      zeroPoint: 0,
    });
  });

  it('symmetric uint8: zero point 128 on the same grid as int8', () => {
    expect(chooseQParams(-3, 1, { qtype: 'uint8', scheme: 'symmetric' })).toEqual({
      scale: f(3 / 127),
      zeroPoint: 128,
    });
  });

  it('asymmetric uint4 of [-7.5, 7.5]: scale 1, zero point rounds 7.5 to even 8', () => {
    expect(chooseQParams(-7.5, 7.5, { qtype: 'uint4', scheme: 'asymmetric' })).toEqual({
      scale: 1,
      zeroPoint: 8,
    });
    expect(chooseQParams(-6.5, 8.5, { qtype: 'uint4', scheme: 'asymmetric' })).toEqual({
      scale: 1,
      zeroPoint: 6,
    });
  });

  it('asymmetric uint8 of [-1, 1]: scale 2/255 in float32, zero point from float32 division', () => {
    const scale = f(2 / 255);
    expect(chooseQParams(-1, 1, { qtype: 'uint8', scheme: 'asymmetric' })).toEqual({
      scale,
      zeroPoint: -Math.round(f(-1 / scale)),
    });
  });

  it('asymmetric widens a positive range to include zero (post-ReLU data)', () => {
    expect(chooseQParams(0.5, 4, { qtype: 'uint8', scheme: 'asymmetric' })).toEqual({
      scale: f(4 / 255),
      zeroPoint: 0,
    });
    expect(chooseQParams(-4, -0.5, { qtype: 'int8', scheme: 'asymmetric' })).toEqual({
      scale: f(4 / 255),
      zeroPoint: 127,
    });
  });

  it('an all-zero range gets scale 1 and a zero point that keeps 0 exact', () => {
    expect(chooseQParams(0, 0, { qtype: 'uint8', scheme: 'asymmetric' })).toEqual({
      scale: 1,
      zeroPoint: 0,
    });
    expect(chooseQParams(0, 0, { qtype: 'int8', scheme: 'asymmetric' })).toEqual({
      scale: 1,
      zeroPoint: -128,
    });
  });

  it('a range below float precision gets a finite positive scale', () => {
    const { scale, zeroPoint } = chooseQParams(0, 1e-44, { qtype: 'uint8', scheme: 'asymmetric' });
    expect(scale).toBeGreaterThan(0);
    expect(Number.isFinite(scale)).toBe(true);
    expect(zeroPoint).toBe(0);
  });

  it('a single value c gives the range [0, c] or [c, 0]', () => {
    const p = chooseQParams(3, 3, { qtype: 'uint8', scheme: 'asymmetric' });
    expect(p).toEqual({ scale: f(3 / 255), zeroPoint: 0 });
  });

  it('rejects NaN and infinite ranges with bad-range', () => {
    for (const [lo, hi] of [
      [NaN, 1],
      [0, Infinity],
      [-Infinity, 0],
      [2, 1],
    ] as const) {
      try {
        chooseQParams(lo, hi, { qtype: 'int8', scheme: 'symmetric' });
        expect.unreachable();
      } catch (error) {
        expect(isZeropointError(error, 'bad-range')).toBe(true);
      }
    }
  });

  it('torchCompatible symmetric divides by (qmax - qmin) / 2 and floors at float32 epsilon', () => {
    expect(
      chooseQParams(-1, 2, { qtype: 'int8', scheme: 'symmetric', torchCompatible: true }),
    ).toEqual({ scale: f(2 / 127.5), zeroPoint: 0 });
    expect(
      chooseQParams(0, 0, { qtype: 'uint8', scheme: 'asymmetric', torchCompatible: true }),
    ).toEqual({ scale: 2 ** -23, zeroPoint: 0 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeropointError, roundHalfEven } from '../core/index.js';
import { dynamicQuantizeLinear } from './dynamic-quantize-linear.js';

const f32 = (values: number[], shape = [values.length]) => ({
  data: Float32Array.from(values),
  shape,
});

/** The spec's reference implementation, transcribed step by step in float32. */
function specDynamicQuantize(x: Float32Array): { y: number[]; scale: number; zeroPoint: number } {
  const maxx = Math.fround(Math.max(0, ...x));
  const minx = Math.fround(Math.min(0, ...x));
  const scale = maxx === minx ? 1 : Math.fround(Math.fround(maxx - minx) / 255);
  const initial = Math.fround(0 - Math.fround(minx / scale));
  const zeroPoint = roundHalfEven(Math.max(0, Math.min(255, initial)));
  const y = [...x].map((v) =>
    Math.min(255, Math.max(0, roundHalfEven(Math.fround(v / scale)) + zeroPoint)),
  );
  return { y, scale, zeroPoint };
}

describe('dynamicQuantizeLinear', () => {
  it('reproduces the three ONNX examples', () => {
    const a = dynamicQuantizeLinear(f32([0, 2, -3, -2.5, 1.34, 0.5]));
    expect([...a.y.data]).toEqual([153, 255, 0, 26, 221, 179]);
    expect(a.yScale).toBe(Math.fround(0.019607843831181526));
    expect(a.yZeroPoint).toBe(153);

    const b = dynamicQuantizeLinear(f32([-1, -2.1, -1.3, -2.5, -3.34, -4]));
    expect([...b.y.data]).toEqual([191, 121, 172, 96, 42, 0]);
    expect(b.yScale).toBe(Math.fround(0.01568627543747425));
    expect(b.yZeroPoint).toBe(255);

    const c = dynamicQuantizeLinear(
      f32([1, 2.1, 1.3, 2.5, 3.34, 4, 1.5, 2.6, 3.9, 4, 3, 2.345], [3, 4]),
    );
    expect(c.y.shape).toEqual([3, 4]);
    expect([...c.y.data]).toEqual([64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149]);
    expect(c.yScale).toBe(Math.fround(0.01568627543747425));
    expect(c.yZeroPoint).toBe(0);
  });

  it('all-zero input gets scale 1, zero point 0 and zeros, as the spec defines', () => {
    for (const x of [[0, 0, 0], [-0, 0, -0], []]) {
      const r = dynamicQuantizeLinear(f32(x));
      expect(r.yScale).toBe(1);
      expect(r.yZeroPoint).toBe(0);
      expect([...r.y.data]).toEqual(x.map(() => 0));
    }
  });

  it('equals the spec transcribed in float32 on any finite float32 data', () => {
    const value = fc.oneof(
      fc.float({ noNaN: true, noDefaultInfinity: true }),
      fc.float({ min: -10, max: 10, noNaN: true }),
      fc.constantFrom(0, -0, 1e-40, -1e-38),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), (values) => {
        const x = Float32Array.from(values);
        const spec = specDynamicQuantize(x);
        if (spec.scale === 0) {
          // The spec divides by zero here; the kernel refuses instead.
          expect(() => dynamicQuantizeLinear(f32(values))).toThrow();
          return;
        }
        const r = dynamicQuantizeLinear(f32(values));
        expect(r.y.data).toBeInstanceOf(Uint8Array);
        expect(r.yScale).toBe(spec.scale);
        expect(r.yZeroPoint).toBe(spec.zeroPoint);
        expect([...r.y.data]).toEqual(spec.y);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps real zero exact and every value within half a step', () => {
    fc.assert(
      fc.property(
        fc.array(
          // Ranges below ~1e-43 have no float32 scale; see the spec test above.
          fc
            .float({ min: -1000, max: 1000, noNaN: true })
            .map((v) => (Math.abs(v) < 1e-30 ? 0 : v)),
          { minLength: 1, maxLength: 40 },
        ),
        (values) => {
          const r = dynamicQuantizeLinear(f32([...values, 0]));
          expect(r.y.data[values.length]).toBe(r.yZeroPoint);
          r.y.data.forEach((q, i) => {
            const back = (q - r.yZeroPoint) * r.yScale;
            const x = Math.fround(i < values.length ? (values[i] as number) : 0);
            expect(Math.abs(back - x)).toBeLessThanOrEqual(r.yScale * 0.501);
          });
        },
      ),
    );
  });

  it('keeps a subnormal scale where chooseQParams would floor it', () => {
    const r = dynamicQuantizeLinear(f32([0, 1e-37]));
    const expected = Math.fround(Math.fround(1e-37) / 255);
    expect(expected).toBeLessThan(2 ** -126);
    expect(r.yScale).toBe(expected);
    expect([...r.y.data]).toEqual([0, 255]);
  });

  it('keeps the infinite scale of a range wider than float32, as the spec does', () => {
    const r = dynamicQuantizeLinear(f32([-3e38, 3e38, 1]));
    expect(r.yScale).toBe(Infinity);
    expect(r.yZeroPoint).toBe(0);
    expect([...r.y.data]).toEqual([0, 0, 0]);
  });

  it('rejects NaN and infinite inputs', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      try {
        dynamicQuantizeLinear(f32([1, bad]));
        expect.unreachable();
      } catch (error) {
        expect(isZeropointError(error, 'bad-range')).toBe(true);
      }
    }
  });
});

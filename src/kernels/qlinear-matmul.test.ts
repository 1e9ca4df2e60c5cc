import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { f16round, isZeropointError } from '../core/index.js';
import { qlinearMatMul } from './qlinear-matmul.js';
import type { Int8Like, IntTensor, ScaleTensor } from './tensor.js';

const u8 = (shape: number[], values: number[]) => ({ data: Uint8Array.from(values), shape });
const i8 = (shape: number[], values: number[]) => ({ data: Int8Array.from(values), shape });
const f32 = (shape: number[], values: number[]): ScaleTensor => ({
  data: Float32Array.from(values),
  shape,
});
const f16 = (shape: number[], values: number[]): ScaleTensor => ({
  data: Float32Array.from(values.map(f16round)),
  shape,
  dtype: 'float16',
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'other';
  }
  return 'none';
}

/** Rows [from, to) of a 2-D tensor. */
function rows<T extends Int8Like>(t: IntTensor<T>, from: number, to: number): IntTensor<T> {
  const k = t.shape[1] as number;
  return { data: t.data.slice(from * k, to * k) as T, shape: [to - from, k] };
}

/** Column j of a 2-D tensor, as [K, 1]. */
function column<T extends Int8Like>(t: IntTensor<T>, j: number): IntTensor<T> {
  const [k, n] = t.shape as [number, number];
  const out = t.data.slice(0, k) as T;
  for (let p = 0; p < k; p++) out[p] = t.data[p * n + j] as number;
  return { data: out, shape: [k, 1] };
}

describe('qlinearMatMul', () => {
  it('reproduces the ONNX int8 float32 2-D case', () => {
    const y = qlinearMatMul(
      i8([2, 4], [81, 109, -127, 111, -124, 87, -128, -98]),
      f32([1], [0.0066]),
      i8([1], [-14]),
      i8([4, 3], [25, -76, 117, -67, -101, -128, -127, 0, 119, 0, 127, 120]),
      f32([1], [0.00705]),
      i8([1], [-13]),
      f32([1], [0.0107]),
      i8([1], [-9]),
    );
    expect(y.shape).toEqual([2, 3]);
    expect(y.data).toBeInstanceOf(Int8Array);
    expect([...y.data]).toEqual([41, -12, -9, 1, -75, -128]);
  });

  it('rounds float16 scales in float16: multiplier 0.0043526 gives 44 where float32 gives 43', () => {
    // 100 * 100 * (a*b/y); expected values computed with numpy as the ONNX reference does.
    const scales = [0.00659942626953125, 0.007049560546875, 0.0106964111328125];
    const run = (mk: typeof f32) =>
      qlinearMatMul(
        u8([1, 1], [100]),
        mk([], [scales[0] as number]),
        u8([], [0]),
        u8([1, 1], [100]),
        mk([], [scales[1] as number]),
        u8([], [0]),
        mk([], [scales[2] as number]),
        u8([], [0]),
      ).data[0];
    expect(run(f16)).toBe(44);
    expect(run(f32)).toBe(43);
  });

  it('per-row a and per-column b parameters equal per-tensor ones on each row and column', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const scale = fc.double({ min: 1e-3, max: 0.1, noNaN: true }).map(Math.fround);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(byte, { minLength: 80, maxLength: 80 }),
        fc.array(scale, { minLength: 9, maxLength: 9 }),
        (m, k, n, bytes, s) => {
          const a = u8([m, k], bytes.slice(0, m * k));
          const b = u8([k, n], bytes.slice(20, 20 + k * n));
          const za = u8([m], bytes.slice(40, 40 + m));
          const zb = u8([n], bytes.slice(50, 50 + n));
          const as = f32([m], s.slice(0, m));
          const bs = f32([n], s.slice(4, 4 + n));
          const ys = f32([], [s[8] as number]);
          const yzp = u8([], [bytes[60] as number]);
          const y = qlinearMatMul(a, as, za, b, bs, zb, ys, yzp);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const one = qlinearMatMul(
                rows(a, i, i + 1),
                f32([], [as.data[i] as number]),
                u8([], [za.data[i] as number]),
                column(b, j),
                f32([], [bs.data[j] as number]),
                u8([], [zb.data[j] as number]),
                ys,
                yzp,
              );
              expect(y.data[i * n + j]).toBe(one.data[0]);
            }
          }
        },
      ),
    );
  });

  it('N-D parameters [B, M, 1] and [B, 1, N] equal 2-D calls batch by batch', () => {
    const a = i8([2, 2, 3], [1, -2, 3, 4, 5, -6, 7, 8, 9, -10, 11, 12]);
    const b = i8([2, 3, 2], [6, 5, -4, 3, 2, 1, -1, 2, 3, -4, 5, 6]);
    const za = i8([2, 2, 1], [1, -1, 2, 0]);
    const as = f32([2, 2, 1], [0.5, 0.25, 0.125, 0.75]);
    const zb = i8([2, 1, 2], [0, 3, -2, 1]);
    const bs = f32([2, 1, 2], [0.1, 0.2, 0.3, 0.4]);
    const ys = f32([], [0.05]);
    const yzp = i8([], [-3]);
    const y = qlinearMatMul(a, as, za, b, bs, zb, ys, yzp);
    expect(y.shape).toEqual([2, 2, 2]);
    for (let batch = 0; batch < 2; batch++) {
      const slice = <T extends Int8Like | Float32Array>(d: T, size: number) =>
        d.slice(batch * size, (batch + 1) * size) as T;
      const one = qlinearMatMul(
        { data: slice(a.data, 6), shape: [2, 3] },
        f32([2], [...slice(as.data, 2)]),
        { data: slice(za.data, 2), shape: [2] },
        { data: slice(b.data, 6), shape: [3, 2] },
        f32([2], [...slice(bs.data, 2)]),
        { data: slice(zb.data, 2), shape: [2] },
        ys,
        yzp,
      );
      expect([...y.data.slice(batch * 4, batch * 4 + 4)]).toEqual([...one.data]);
    }
  });

  it('is within one step of the real-valued product requantized', () => {
    const byte = fc.integer({ min: -128, max: 127 });
    fc.assert(
      fc.property(
        fc.array(byte, { minLength: 12, maxLength: 12 }),
        fc.array(byte, { minLength: 12, maxLength: 12 }),
        fc.array(fc.double({ min: 1e-3, max: 1, noNaN: true }).map(Math.fround), {
          minLength: 3,
          maxLength: 3,
        }),
        byte,
        byte,
        byte,
        (av, bv, [as, bs, ys], za, zb, zy) => {
          const y = qlinearMatMul(
            i8([3, 4], av),
            f32([], [as as number]),
            i8([], [za]),
            i8([4, 3], bv),
            f32([], [bs as number]),
            i8([], [zb]),
            f32([], [ys as number]),
            i8([], [zy]),
          );
          for (let i = 0; i < 3; i++) {
            for (let j = 0; j < 3; j++) {
              let real = 0;
              for (let p = 0; p < 4; p++) {
                real +=
                  ((av[i * 4 + p] as number) - za) *
                  (as as number) *
                  ((bv[p * 3 + j] as number) - zb) *
                  (bs as number);
              }
              const ideal = Math.min(127, Math.max(-128, real / (ys as number) + zy));
              expect(Math.abs((y.data[i * 3 + j] as number) - ideal)).toBeLessThanOrEqual(1);
            }
          }
        },
      ),
    );
  });

  it('rejects bad scales, mixed scale dtypes and mismatched parameter shapes', () => {
    const a = u8([2, 2], [1, 2, 3, 4]);
    const zp = u8([], [0]);
    const one = f32([], [1]);
    const call = (as: ScaleTensor, za: IntTensor<Int8Like>, ys: ScaleTensor) => () =>
      qlinearMatMul(a, as, za, a, one, zp, ys, zp);
    expect(code(call(one, zp, one))).toBe('none');
    expect(code(call(f32([], [0]), zp, one))).toBe('bad-argument');
    expect(code(call(f32([], [NaN]), zp, one))).toBe('bad-argument');
    expect(code(call(f16([], [0.5]), zp, one))).toBe('bad-argument');
    expect(code(call({ ...f32([], [0.1]), dtype: 'float16' }, zp, one))).toBe('bad-argument');
    expect(code(call(one, zp, f32([2], [1, 1])))).toBe('bad-shape');
    expect(code(call(f32([2], [1, 1]), zp, one))).toBe('bad-shape');
    expect(code(call(f32([3], [1, 1, 1]), u8([3], [0, 0, 0]), one))).toBe('bad-shape');
    expect(code(call(one, i8([], [0]), one))).toBe('bad-argument');
  });
});

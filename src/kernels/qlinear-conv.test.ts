import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeropointError, roundHalfEven } from '../core/index.js';
import { convInteger } from './conv-integer.js';
import { qlinearConv } from './qlinear-conv.js';
import type { ScaleTensor } from './tensor.js';

const u8 = (shape: number[], values: number[]) => ({ data: Uint8Array.from(values), shape });
const i8 = (shape: number[], values: number[]) => ({ data: Int8Array.from(values), shape });
const f32 = (shape: number[], values: number[]): ScaleTensor => ({
  data: Float32Array.from(values),
  shape,
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('qlinearConv', () => {
  it('reproduces the ONNX example: 7x7 uint8 image, 1x1 kernel, per-channel w params', () => {
    const x = u8(
      [1, 1, 7, 7],
      [
        255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64, 56, 242, 153, 221, 168, 12,
        166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77, 80, 102, 43, 127, 230, 21, 83, 41,
        40, 134, 255, 154, 92, 141, 42, 148, 247,
      ],
    );
    const y = qlinearConv(
      x,
      f32([], [0.00369204697]),
      u8([], [132]),
      u8([1, 1, 1, 1], [0]),
      f32([1], [0.00172794575]),
      u8([1], [255]),
      f32([], [0.00162681262]),
      u8([], [123]),
    );
    expect(y.shape).toEqual([1, 1, 7, 7]);
    expect([...y.data]).toEqual([
      0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255, 191, 199, 13, 102, 34, 87, 243, 89,
      23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175, 153, 212, 128, 25, 234, 172, 214, 215,
      121, 0, 101, 163, 114, 213, 107, 8,
    ]);
  });

  it('adds the int32 bias to the accumulator before requantizing', () => {
    const x = i8([1, 1, 2, 2], [1, -2, 3, -4]);
    const w = i8([2, 1, 1, 1], [1, 2]);
    const one = f32([], [1]);
    const y = qlinearConv(x, one, i8([], [0]), w, one, i8([], [0]), one, i8([], [0]), {
      data: Int32Array.of(5, -100),
      shape: [2],
    });
    expect([...y.data]).toEqual([6, 3, 8, 1, -98, -104, -94, -108]);
  });

  it('equals ConvInteger plus bias requantized per output channel in float', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    const scale = fc.double({ min: 1e-4, max: 0.05, noNaN: true }).map(Math.fround);
    fc.assert(
      fc.property(
        fc.array(byte, { minLength: 2 * 2 * 5 * 5, maxLength: 2 * 2 * 5 * 5 }),
        fc.array(fc.integer({ min: -128, max: 127 }), {
          minLength: 3 * 2 * 9,
          maxLength: 3 * 2 * 9,
        }),
        fc.array(scale, { minLength: 5, maxLength: 5 }),
        fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 3, maxLength: 3 }),
        byte,
        byte,
        fc.constantFrom('NOTSET', 'SAME_LOWER', 'VALID'),
        (xv, wv, [xs, ys, ...ws], bias, xzp, yzp, autoPad) => {
          const x = u8([2, 2, 5, 5], xv);
          const w = i8([3, 2, 3, 3], wv);
          const wzp = i8([3], [0, -3, 7]);
          const attributes = {
            autoPad,
            strides: [2, 1],
            ...(autoPad === 'NOTSET' ? { pads: [1, 0, 2, 1] } : {}),
          };
          const y = qlinearConv(
            x,
            f32([], [xs as number]),
            u8([], [xzp]),
            w,
            f32([3], ws),
            wzp,
            f32([], [ys as number]),
            u8([], [yzp]),
            { data: Int32Array.from(bias), shape: [3] },
            attributes,
          );
          const acc = convInteger(x, w, u8([], [xzp]), wzp, attributes);
          expect(y.shape).toEqual(acc.shape);
          const per = acc.data.length / 6;
          acc.data.forEach((a, i) => {
            const m = Math.floor(i / per) % 3;
            const multiplier = Math.fround(
              Math.fround((xs as number) * (ws[m] as number)) / (ys as number),
            );
            const v = roundHalfEven((a + (bias[m] as number)) * multiplier + yzp);
            expect(y.data[i]).toBe(Math.min(255, Math.max(0, v)));
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('per-channel w params equal per-tensor params on each output channel', () => {
    const x = u8(
      [1, 3, 4, 4],
      Array.from({ length: 48 }, (_, i) => (i * 37) % 256),
    );
    const w = i8(
      [2, 3, 2, 2],
      Array.from({ length: 24 }, (_, i) => ((i * 53) % 256) - 128),
    );
    const ws = [0.02, 0.005];
    const wz = [3, -4];
    const common = [f32([], [0.01]), u8([], [100])] as const;
    const y = qlinearConv(
      x,
      ...common,
      w,
      f32([2], ws),
      i8([2], wz),
      f32([], [0.03]),
      u8([], [128]),
    );
    for (let m = 0; m < 2; m++) {
      const wm = { data: w.data.slice(m * 12, m * 12 + 12), shape: [1, 3, 2, 2] };
      const one = qlinearConv(
        x,
        ...common,
        wm,
        f32([], [ws[m] as number]),
        i8([], [wz[m] as number]),
        f32([], [0.03]),
        u8([], [128]),
      );
      expect([...y.data.slice(m * 9, m * 9 + 9)]).toEqual([...one.data]);
    }
  });

  it('rejects a bias of the wrong shape or type and non-scalar x or y params', () => {
    const x = u8([1, 1, 2, 2], [1, 2, 3, 4]);
    const w = u8([2, 1, 1, 1], [1, 2]);
    const one = f32([], [1]);
    const zp = u8([], [0]);
    const run =
      (bias?: { data: Int32Array; shape: number[] }, xs = one, ys = one) =>
      () =>
        qlinearConv(x, xs, zp, w, one, zp, ys, zp, bias);
    expect(code(run({ data: Int32Array.of(1, 2), shape: [2] }))).toBe('none');
    expect(code(run({ data: Int32Array.of(1), shape: [1] }))).toBe('bad-shape');
    expect(code(run({ data: Int8Array.of(1, 2), shape: [2] } as never))).toBe('bad-argument');
    expect(code(run(undefined, f32([2], [1, 1])))).toBe('bad-shape');
    expect(code(run(undefined, one, f32([], [-1])))).toBe('bad-argument');
    expect(code(() => qlinearConv(x, one, zp, w, f32([3], [1, 1, 1]), zp, one, zp))).toBe(
      'bad-shape',
    );
  });
});

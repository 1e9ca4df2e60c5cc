import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sizeOf } from '../core/index.js';
import { convInteger } from './conv-integer.js';
import type { Int8Like, IntTensor } from './tensor.js';

const u8 = (shape: number[], values: number[]) => ({ data: Uint8Array.from(values), shape });
const i8 = (shape: number[], values: number[]) => ({ data: Int8Array.from(values), shape });

interface Explicit {
  readonly group: number;
  readonly strides: number[];
  readonly dilations: number[];
  readonly pads: number[];
}

/**
 * An independent oracle: embed 1-D and 2-D convs in 3-D (unit leading axes), pad x with its
 * zero point explicitly, then slide the kernel with seven nested loops.
 */
function convOracle(
  x: IntTensor<Int8Like>,
  w: IntTensor<Int8Like>,
  xzp: number,
  wzp: number[],
  { group, strides, dilations, pads }: Explicit,
): { data: number[]; shape: number[] } {
  const r = x.shape.length - 2;
  const lift = (v: number[], fill: number) => [...new Array<number>(3 - r).fill(fill), ...v];
  const [N, C] = x.shape as [number, number];
  const M = w.shape[0] as number;
  const D = lift(x.shape.slice(2), 1);
  const K = lift(w.shape.slice(2), 1);
  const S = lift(strides, 1);
  const L = lift(dilations, 1);
  const B = lift(pads.slice(0, r), 0);
  const E = lift(pads.slice(r), 0);
  const P = D.map((d, i) => d + (B[i] as number) + (E[i] as number));
  const O = P.map(
    (p, i) =>
      Math.floor((p - ((K[i] as number) - 1) * (L[i] as number) - 1) / (S[i] as number)) + 1,
  );
  const [P0, P1, P2] = P as [number, number, number];
  const padded = new Array<number>(N * C * P0 * P1 * P2).fill(xzp);
  const [D0, D1, D2] = D as [number, number, number];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < D0; i++)
        for (let j = 0; j < D1; j++)
          for (let k = 0; k < D2; k++) {
            const to =
              (((n * C + c) * P0 + i + (B[0] as number)) * P1 + j + (B[1] as number)) * P2 +
              k +
              (B[2] as number);
            padded[to] = x.data[(((n * C + c) * D0 + i) * D1 + j) * D2 + k] as number;
          }
  const [K0, K1, K2] = K as [number, number, number];
  const [O0, O1, O2] = O as [number, number, number];
  const cg = C / group;
  const mg = M / group;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++)
      for (let o0 = 0; o0 < O0; o0++)
        for (let o1 = 0; o1 < O1; o1++)
          for (let o2 = 0; o2 < O2; o2++) {
            let acc = 0;
            for (let c = 0; c < cg; c++)
              for (let k0 = 0; k0 < K0; k0++)
                for (let k1 = 0; k1 < K1; k1++)
                  for (let k2 = 0; k2 < K2; k2++) {
                    const ci = Math.floor(m / mg) * cg + c;
                    const i0 = o0 * (S[0] as number) + k0 * (L[0] as number);
                    const i1 = o1 * (S[1] as number) + k1 * (L[1] as number);
                    const i2 = o2 * (S[2] as number) + k2 * (L[2] as number);
                    const xv = padded[(((n * C + ci) * P0 + i0) * P1 + i1) * P2 + i2] as number;
                    const wv = w.data[(((m * cg + c) * K0 + k0) * K1 + k1) * K2 + k2] as number;
                    acc += (xv - xzp) * (wv - (wzp[m] as number));
                  }
            out.push(acc);
          }
  return { data: out, shape: [N, M, ...O.slice(3 - r)] };
}

const convCase = fc
  .record({
    r: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 2 }),
    group: fc.integer({ min: 1, max: 2 }),
    cg: fc.integer({ min: 1, max: 2 }),
    mg: fc.integer({ min: 1, max: 2 }),
    xSigned: fc.boolean(),
    wSigned: fc.boolean(),
    perChannel: fc.boolean(),
    axes: fc.array(
      fc.record({
        size: fc.integer({ min: 1, max: 6 }),
        kernel: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 3 }),
        dilation: fc.integer({ min: 1, max: 2 }),
        begin: fc.integer({ min: 0, max: 2 }),
        end: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 3, maxLength: 3 },
    ),
    seed: fc.integer(),
  })
  .map((c) => ({ ...c, axes: c.axes.slice(0, c.r) }))
  .filter((c) => c.axes.every((a) => a.size + a.begin + a.end >= (a.kernel - 1) * a.dilation + 1));

/** Deterministic pseudo-random bytes, so a case is reproducible from its seed. */
function bytes(seed: number, count: number, signed: boolean): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) % 256) - (signed ? 128 : 0);
  });
}

describe('convInteger', () => {
  it('reproduces the ONNX example without padding', () => {
    const y = convInteger(
      u8([1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]),
      u8([1, 1, 2, 2], [1, 1, 1, 1]),
      u8([], [1]),
    );
    expect(y).toEqual({ data: Int32Array.of(12, 16, 24, 28), shape: [1, 1, 2, 2] });
  });

  it('reproduces the ONNX example with padding and per-channel w_zero_point', () => {
    const y = convInteger(
      u8([1, 1, 3, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10]),
      u8([2, 1, 2, 2], [1, 1, 1, 1, 1, 1, 1, 1]),
      u8([], [1]),
      u8([2], [0, 1]),
      { pads: [1, 1, 1, 1] },
    );
    expect(y.shape).toEqual([1, 2, 4, 4]);
    expect([...y.data]).toEqual([
      1,
      3,
      5,
      3,
      5,
      12,
      16,
      9,
      11,
      24,
      28,
      15,
      7,
      15,
      17,
      9,
      ...new Array<number>(16).fill(0),
    ]);
  });

  it('equals a direct convolution over x padded with its zero point (1-D, 2-D and 3-D)', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const C = c.group * c.cg;
        const M = c.group * c.mg;
        const xShape = [c.n, C, ...c.axes.map((a) => a.size)];
        const wShape = [M, c.cg, ...c.axes.map((a) => a.kernel)];
        const mk = (signed: boolean, shape: number[], v: number[]) =>
          signed ? i8(shape, v) : u8(shape, v);
        const x = mk(c.xSigned, xShape, bytes(c.seed, sizeOf(xShape), c.xSigned));
        const w = mk(c.wSigned, wShape, bytes(c.seed + 1, sizeOf(wShape), c.wSigned));
        const [xzp, ...wzps] = bytes(c.seed + 2, 1 + M, false).map((v) => v - 128);
        const xz = c.xSigned ? (xzp as number) : (xzp as number) + 128;
        const wz = wzps.map((v) => (c.wSigned ? v : v + 128)).slice(0, c.perChannel ? M : 1);
        const explicit = {
          group: c.group,
          strides: c.axes.map((a) => a.stride),
          dilations: c.axes.map((a) => a.dilation),
          pads: [...c.axes.map((a) => a.begin), ...c.axes.map((a) => a.end)],
        };
        const y = convInteger(
          x,
          w,
          mk(c.xSigned, [], [xz]),
          mk(c.wSigned, [wz.length], wz),
          explicit,
        );
        const expected = convOracle(
          x,
          w,
          xz,
          c.perChannel ? wz : new Array<number>(M).fill(wz[0] as number),
          explicit,
        );
        expect(y.shape).toEqual(expected.shape);
        expect([...y.data]).toEqual(expected.data);
      }),
      { numRuns: 300 },
    );
  });

  it('SAME auto_pad equals explicit pads of ceil(in / stride) outputs', () => {
    const x = u8([1, 2, 5, 6], bytes(7, 60, false));
    const w = i8([3, 2, 3, 2], bytes(8, 36, true));
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER'] as const) {
      const strides = [2, 3];
      const pads: number[] = [0, 0, 0, 0];
      [5, 6].forEach((size, i) => {
        const span = [3, 2][i] as number;
        const total = Math.max(
          0,
          (Math.ceil(size / (strides[i] as number)) - 1) * (strides[i] as number) + span - size,
        );
        const small = Math.floor(total / 2);
        pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
        pads[i + 2] = total - pads[i];
      });
      const y = convInteger(x, w, u8([], [3]), i8([], [-1]), { autoPad, strides });
      const expected = convOracle(x, w, 3, [-1, -1, -1], {
        group: 1,
        strides,
        dilations: [1, 1],
        pads,
      });
      expect(y.shape).toEqual([1, 3, 3, 2]);
      expect([...y.data]).toEqual(expected.data);
    }
  });

  it('an image of zero points convolves to zeros, padding included', () => {
    const y = convInteger(
      u8([1, 1, 4, 4], new Array<number>(16).fill(77)),
      u8([1, 1, 3, 3], bytes(3, 9, false)),
      u8([], [77]),
      undefined,
      {
        pads: [2, 2, 2, 2],
      },
    );
    expect([...y.data].every((v) => v === 0)).toBe(true);
  });
});

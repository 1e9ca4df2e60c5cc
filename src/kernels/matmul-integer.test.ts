import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeropointError, sizeOf } from '../core/index.js';
import { matMulInteger, matMulIntegerNaive } from './matmul-integer.js';
import type { Int8Like, IntTensor } from './tensor.js';

const u8 = (shape: number[], values: number[]) => ({ data: Uint8Array.from(values), shape });
const i8 = (shape: number[], values: number[]) => ({ data: Int8Array.from(values), shape });

function tensor(signed: boolean, shape: number[], values: number[]): IntTensor<Int8Like> {
  return signed ? i8(shape, values) : u8(shape, values);
}

/** Random int8/uint8 values of a shape, drawn from the type's whole range. */
const values = (signed: boolean, n: number) =>
  fc.array(signed ? fc.integer({ min: -128, max: 127 }) : fc.integer({ min: 0, max: 255 }), {
    minLength: n,
    maxLength: n,
  });

/** A batched matmul case with zero points scalar, per row/column, N-D, or absent. */
const matmulCase = fc
  .record({
    aSigned: fc.boolean(),
    bSigned: fc.boolean(),
    m: fc.integer({ min: 1, max: 5 }),
    k: fc.integer({ min: 1, max: 6 }),
    n: fc.integer({ min: 1, max: 5 }),
    aBatch: fc.constantFrom<number[]>([], [2], [1, 3], [2, 3]),
    bBatch: fc.constantFrom<number[]>([], [1], [3], [2, 1]),
    zaKind: fc.constantFrom('none', 'scalar', 'vector', 'nd'),
    zbKind: fc.constantFrom('none', 'scalar', 'vector', 'nd'),
  })
  .filter(({ aBatch, bBatch }) => {
    const rank = Math.max(aBatch.length, bBatch.length);
    for (let i = 1; i <= rank; i++) {
      const da = aBatch[aBatch.length - i] ?? 1;
      const db = bBatch[bBatch.length - i] ?? 1;
      if (da !== db && da !== 1 && db !== 1) return false;
    }
    return true;
  })
  .chain((c) => {
    const aShape = [...c.aBatch, c.m, c.k];
    const bShape = [...c.bBatch, c.k, c.n];
    const zaShape = { none: [], scalar: [], vector: [c.m], nd: [...c.aBatch, c.m, 1] }[c.zaKind];
    const zbShape = { none: [], scalar: [1], vector: [c.n], nd: [...c.bBatch, 1, c.n] }[c.zbKind];
    return fc.record({
      c: fc.constant(c),
      a: values(c.aSigned, sizeOf(aShape)).map((v) => tensor(c.aSigned, aShape, v)),
      b: values(c.bSigned, sizeOf(bShape)).map((v) => tensor(c.bSigned, bShape, v)),
      za: values(c.aSigned, sizeOf(zaShape)).map((v) => tensor(c.aSigned, zaShape, v)),
      zb: values(c.bSigned, sizeOf(zbShape)).map((v) => tensor(c.bSigned, zbShape, v)),
    });
  });

/** An independent oracle: broadcast by hand, then sum((a - za)(b - zb)) per output element. */
function oracle(
  a: IntTensor<Int8Like>,
  b: IntTensor<Int8Like>,
  za: IntTensor<Int8Like> | undefined,
  zb: IntTensor<Int8Like> | undefined,
): number[] {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] as number;
  const aB = a.shape.slice(0, -2);
  const bB = b.shape.slice(0, -2);
  const rank = Math.max(aB.length, bB.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(aB), pad(bB)];
  const outB = pa.map((d, i) => Math.max(d, pb[i] as number));
  const flat = (shape: number[], idx: number[]) =>
    idx.reduce((f, v, i) => f * (shape[i] as number) + (shape[i] === 1 ? 0 : v), 0);
  const zaAt = (batch: number, row: number): number => {
    if (za === undefined) return 0;
    if (za.data.length === 1) return za.data[0] as number;
    return za.data[za.shape.length === 1 ? row : batch * m + row] as number;
  };
  const zbAt = (batch: number, col: number): number => {
    if (zb === undefined) return 0;
    if (zb.data.length === 1) return zb.data[0] as number;
    return zb.data[zb.shape.length === 1 ? col : batch * n + col] as number;
  };
  const out: number[] = [];
  for (let o = 0; o < sizeOf(outB); o++) {
    const idx: number[] = [];
    for (let i = rank - 1, r = o; i >= 0; i--) {
      idx.unshift(r % (outB[i] as number));
      r = Math.floor(r / (outB[i] as number));
    }
    const ia = flat(pa, idx);
    const ib = flat(pb, idx);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          const av = (a.data[(ia * m + i) * k + p] as number) - zaAt(ia, i);
          const bv = (b.data[(ib * k + p) * n + j] as number) - zbAt(ib, j);
          acc += av * bv;
        }
        out.push(acc);
      }
    }
  }
  return out;
}

describe('matMulInteger', () => {
  it('reproduces the ONNX example: uint8 [4, 3] with a_zero_point 12 times [3, 2]', () => {
    const a = u8([4, 3], [11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0]);
    const b = u8([3, 2], [1, 4, 2, 5, 3, 6]);
    const y = matMulInteger(a, b, u8([], [12]), u8([], [0]));
    expect(y.shape).toEqual([4, 2]);
    expect([...y.data]).toEqual([-38, -83, -44, -98, -50, -113, -56, -128]);
  });

  it('GEMM form equals (a - za)(b - zb) for scalar, per-row, per-column and N-D zero points', () => {
    fc.assert(
      fc.property(matmulCase, ({ c, a, b, za, zb }) => {
        const zaIn = c.zaKind === 'none' ? undefined : za;
        const zbIn = c.zbKind === 'none' ? undefined : zb;
        const fast = matMulInteger(a, b, zaIn, zbIn);
        const naive = matMulIntegerNaive(a, b, zaIn, zbIn);
        expect(fast.shape).toEqual(naive.shape);
        expect([...fast.data]).toEqual([...naive.data]);
        expect([...naive.data]).toEqual(oracle(a, b, zaIn, zbIn));
      }),
      { numRuns: 300 },
    );
  });

  it('zero points equal to 0 give what absent zero points give', () => {
    const a = i8([2, 3], [-128, 127, 5, 0, -1, 9]);
    const b = i8([3, 2], [3, -7, 127, -128, 1, 2]);
    const plain = matMulInteger(a, b);
    expect([...matMulInteger(a, b, i8([2], [0, 0]), i8([], [0])).data]).toEqual([...plain.data]);
  });

  it('promotes 1-D operands as numpy.matmul does', () => {
    const v = u8([3], [1, 2, 3]);
    const mat = u8([3, 2], [1, 0, 0, 1, 2, 2]);
    expect(matMulInteger(v, mat)).toEqual({ data: Int32Array.of(7, 8), shape: [2] });
    expect(matMulInteger(u8([2, 3], [1, 0, 0, 0, 1, 1]), v)).toEqual({
      data: Int32Array.of(1, 5),
      shape: [2],
    });
    expect(matMulInteger(v, v)).toEqual({ data: Int32Array.of(14), shape: [] });
  });

  it('wraps the accumulator modulo 2^32, as int32 accumulation does', () => {
    const k = 40000; // 40000 * 255 * 255 = 2_601_000_000 > 2^31 - 1
    const a = { data: new Uint8Array(k).fill(255), shape: [1, k] };
    const b = { data: new Uint8Array(k).fill(255), shape: [k, 1] };
    const expected = 2_601_000_000 - 2 ** 32;
    expect([...matMulInteger(a, b).data]).toEqual([expected]);
    expect([...matMulIntegerNaive(a, b).data]).toEqual([expected]);
  });

  it('rejects wrong dtypes, inner dims, batch dims and zero point shapes', () => {
    const a = u8([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = u8([3, 2], [1, 2, 3, 4, 5, 6]);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isZeropointError(error) ? error.code : 'other';
      }
      return 'none';
    };
    expect(code(() => matMulInteger(a, a))).toBe('bad-shape');
    expect(
      code(() =>
        matMulInteger(
          u8([2, 2, 3], new Array<number>(12).fill(0)),
          u8([3, 3, 2], new Array<number>(18).fill(0)),
        ),
      ),
    ).toBe('bad-shape');
    expect(code(() => matMulInteger(a, b, i8([], [1])))).toBe('bad-argument');
    expect(code(() => matMulInteger(a, b, u8([3], [1, 2, 3])))).toBe('bad-shape');
    expect(code(() => matMulInteger(a, b, undefined, u8([2, 1], [1, 2])))).toBe('bad-shape');
    expect(code(() => matMulInteger({ data: new Int16Array(6), shape: [2, 3] } as never, b))).toBe(
      'bad-argument',
    );
    expect(code(() => matMulInteger(u8([2, 2], [1, 2, 3]), b))).toBe('bad-shape');
  });
});

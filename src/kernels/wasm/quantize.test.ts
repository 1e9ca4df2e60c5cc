// The WebAssembly SIMD quantize, dequantize and fake-quant against core/'s loops, bit for bit:
// fast-check over every qtype, per tensor, per axis and per block, data with NaN, +-Inf, -0,
// subnormals, constants and all zeros, chosen and arbitrary scales and zero points; tensors
// longer than a chunk; and the fallback when the fast paths are switched off.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseTensorQParams,
  dequantize,
  fakeQuantize,
  layoutOf,
  quantize,
  QTYPES,
  QTYPE_NAMES,
  type Granularity,
  type QParams,
  type QType,
} from '../../core/index.js';
import { CHUNK, setWasmKernelsEnabled, wasmKernelsActive } from './instance.js';
import { dequantizeFast, fakeQuantizeFast, quantizeFast } from './quantize.js';
import { firstDifference } from './test-bits.js';

const special = fc.constantFrom(0, -0, 1e-45, -1e-45, 1.17e-38, -2.5e-39, 1e38, -1e38);
const value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }) },
  { weight: 1, arbitrary: special },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);

/** Shapes of rank 1-3 with runs long enough for the vector loops, and a granularity. */
const shaped = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 3 }),
    fc.nat(),
    fc.integer({ min: 1, max: 9 }),
    fc.constantFrom('per-tensor', 'per-axis', 'per-block'),
  )
  .map(([shape, a, blockSize, kind]): { shape: number[]; granularity: Granularity } => {
    const axis = a % shape.length;
    const granularity: Granularity =
      kind === 'per-tensor'
        ? { kind }
        : kind === 'per-axis'
          ? { kind, axis }
          : { kind, axis, blockSize };
    return { shape, granularity };
  });

const tensor = shaped.chain(({ shape, granularity }) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .oneof(
      { weight: 6, arbitrary: fc.array(value, { minLength: n, maxLength: n }) },
      { weight: 1, arbitrary: value.map((v) => new Array<number>(n).fill(v)) },
    )
    .map((values) => ({ shape, granularity, x: Float32Array.from(values) }));
});

/** Arbitrary positive float32 scales (subnormal to large) and in-range zero points. */
function arbitraryParams(qtype: QType, shape: number[], g: Granularity, seed: number): QParams {
  const { groups } = layoutOf(shape, g);
  const { qmin, qmax } = QTYPES[qtype];
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const scale = Float32Array.from({ length: groups }, () => 2 ** (next() * 60 - 40) * next());
  const zeroPoint = Int32Array.from({ length: groups }, () =>
    Math.round(qmin + next() * (qmax - qmin)),
  );
  return { qtype, granularity: g, scale, zeroPoint, grid: { qmin, qmax } };
}

function expectSameEverywhere(x: Float32Array, shape: number[], p: QParams): void {
  const q = quantize(x, shape, p);
  expect(firstDifference(quantizeFast(x, shape, p), q)).toBeUndefined();
  expect(firstDifference(dequantizeFast(q, shape, p), dequantize(q, shape, p))).toBeUndefined();
  expect(firstDifference(fakeQuantizeFast(x, shape, p), fakeQuantize(x, shape, p))).toBe(undefined);
}

afterEach(() => {
  setWasmKernelsEnabled(true);
});

describe('wasm quantize = core quantize, bit for bit', () => {
  it('runs the WebAssembly SIMD path here (Node 20 has SIMD)', () => {
    expect(wasmKernelsActive()).toBe(true);
  });

  it('with scales chosen from the data, every qtype, scheme and granularity', () => {
    const spec = fc.record({
      qtype: fc.constantFrom(...QTYPE_NAMES),
      scheme: fc.constantFrom('symmetric' as const, 'asymmetric' as const),
    });
    fc.assert(
      fc.property(tensor, spec, ({ shape, granularity, x }, s) => {
        const finite = x.map((v) => (Number.isFinite(v) ? v : 0));
        expectSameEverywhere(x, shape, chooseTensorQParams(finite, shape, s, granularity));
      }),
      { numRuns: 150 },
    );
  });

  it('with arbitrary scales and zero points (saturation at both ends)', () => {
    fc.assert(
      fc.property(tensor, fc.constantFrom(...QTYPE_NAMES), fc.nat(), (t, qtype, seed) => {
        expectSameEverywhere(t.x, t.shape, arbitraryParams(qtype, t.shape, t.granularity, seed));
      }),
      { numRuns: 150 },
    );
  });

  it('on tensors longer than a chunk, where runs cross chunk boundaries', () => {
    const shape = [2, 3, CHUNK / 4 + 3];
    const n = shape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 7 + (i % 11));
    const grans: Granularity[] = [
      { kind: 'per-tensor' },
      { kind: 'per-axis', axis: 1 },
      { kind: 'per-axis', axis: 2 },
      { kind: 'per-block', axis: 2, blockSize: 32 },
    ];
    for (const g of grans) {
      for (const qtype of ['int8', 'uint16'] as const) {
        expectSameEverywhere(x, shape, arbitraryParams(qtype, shape, g, n));
      }
    }
  });

  it('quotients on half levels round to even, with zero points up to +-2^16', () => {
    // The kernel rounds by adding 1.5 * 2^23; its clamp bounds qmin - zp, qmax - zp reach 2^17.
    const centres = [0, 128, 256, 2 ** 15, 2 ** 16, 3 * 2 ** 15, 2 ** 17].flatMap((c) => [c, -c]);
    const levels = centres.flatMap((c) => Array.from({ length: 81 }, (_, i) => c + i - 40.5));
    for (const qtype of QTYPE_NAMES) {
      const { qmin, qmax } = QTYPES[qtype];
      for (const zeroPoint of [qmin, qmax, 0, 2 ** 16, -(2 ** 16), 2 ** 16 + 1]) {
        for (const scale of [0.25, 1, 3e-3]) {
          const x = Float32Array.from(levels, (l) => l * scale);
          const p: QParams = {
            qtype,
            granularity: { kind: 'per-tensor' },
            scale: Float32Array.of(scale),
            zeroPoint: Int32Array.of(zeroPoint),
            grid: { qmin, qmax },
          };
          expectSameEverywhere(x, [x.length], p);
        }
      }
    }
  });

  it('writes into a given output as core does', () => {
    const shape = [8, 40];
    const x = Float32Array.from({ length: 320 }, (_, i) => Math.cos(i) * 9);
    const p = arbitraryParams('uint8', shape, { kind: 'per-axis', axis: 1 }, 3);
    const into = new Uint8Array(320);
    expect(quantizeFast(x, shape, p, into)).toBe(into);
    expect(firstDifference(into, quantize(x, shape, p))).toBeUndefined();
    const back = new Float32Array(320);
    expect(dequantizeFast(into, shape, p, back)).toBe(back);
    expect(firstDifference(back, dequantize(into, shape, p))).toBeUndefined();
    expect(() => quantizeFast(x, shape, p, new Uint8Array(3))).toThrow(/3 values/);
  });

  it('falls back to the TypeScript loops when the fast paths are off', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => i - 50.5);
    const p = arbitraryParams('int8', [100], { kind: 'per-tensor' }, 7);
    setWasmKernelsEnabled(false);
    expect(wasmKernelsActive()).toBe(false);
    expect(firstDifference(quantizeFast(x, [100], p), quantize(x, [100], p))).toBeUndefined();
    expect(firstDifference(fakeQuantizeFast(x, [100], p), fakeQuantize(x, [100], p))).toBe(
      undefined,
    );
  });

  it('fails as core does on a shape that does not match', () => {
    const p = arbitraryParams('int8', [4], { kind: 'per-tensor' }, 1);
    expect(() => quantizeFast(new Float32Array(5), [4], p)).toThrow(/5 values/);
  });
});

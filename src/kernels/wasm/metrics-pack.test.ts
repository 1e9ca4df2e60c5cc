// The WebAssembly error metrics and sub-byte packing against core/'s loops, bit for bit:
// fast-check over qtypes, granularities, data with NaN, +-Inf, -0 and subnormals, arbitrary
// bytes to pack; and the fallback when the fast paths are switched off.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseTensorQParams,
  pack,
  quantize,
  quantMetrics,
  QTYPE_NAMES,
  unpack,
  type Granularity,
  type QType,
} from '../../core/index.js';
import { setWasmKernelsEnabled, wasmKernelsActive } from './instance.js';
import { quantMetricsFast } from './metrics.js';
import { packFast, unpackFast } from './pack.js';
import { firstDifference } from './test-bits.js';

const value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-45, -2.5e-39, 1e30) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);

const case_ = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }),
    fc.nat(),
    fc.integer({ min: 1, max: 7 }),
    fc.constantFrom('per-tensor', 'per-axis', 'per-block'),
    fc.constantFrom(...QTYPE_NAMES),
    fc.constantFrom('symmetric' as const, 'asymmetric' as const),
  )
  .chain(([shape, a, blockSize, kind, qtype, scheme]) => {
    const axis = a % shape.length;
    const granularity: Granularity =
      kind === 'per-tensor'
        ? { kind }
        : kind === 'per-axis'
          ? { kind, axis }
          : { kind, axis, blockSize };
    const n = shape.reduce((x, y) => x * y, 1);
    return fc
      .array(value, { minLength: n, maxLength: n })
      .map((v) => ({ shape, granularity, qtype, scheme, x: Float32Array.from(v) }));
  });

afterEach(() => {
  setWasmKernelsEnabled(true);
});

describe('wasm metrics and packing = core, bit for bit', () => {
  it('runs the WebAssembly SIMD path here', () => {
    expect(wasmKernelsActive()).toBe(true);
  });

  it('quantMetrics: every figure identical (Object.is), every qtype and granularity', () => {
    fc.assert(
      fc.property(case_, ({ shape, granularity, qtype, scheme, x }) => {
        const finite = x.map((v) => (Number.isFinite(v) ? v : 0));
        const p = chooseTensorQParams(finite, shape, { qtype, scheme }, granularity);
        // Through a shifted grid too, so that some values clip.
        const q = quantize(
          x.map((v) => v * 1.5),
          shape,
          p,
        );
        expect(quantMetricsFast(x, q, shape, p)).toStrictEqual(quantMetrics(x, q, shape, p));
      }),
      { numRuns: 150 },
    );
  });

  it('pack and unpack: the same bytes and values for int4, uint4, int2, uint2', () => {
    const sub = fc.constantFrom<QType>('int4', 'uint4', 'int2', 'uint2');
    const counts = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constant(16384 * 2 + 37));
    fc.assert(
      fc.property(sub, counts, fc.nat(), (qtype, n, seed) => {
        const values = Int8Array.from({ length: n }, (_, i) => ((i * 73 + seed) % 256) - 128);
        const signed = qtype.startsWith('int') ? values : new Uint8Array(values.buffer);
        const bytes = pack(qtype, signed);
        expect(firstDifference(packFast(qtype, signed), bytes)).toBeUndefined();
        const count = Math.max(0, n - (seed % 3));
        expect(firstDifference(unpackFast(qtype, bytes, count), unpack(qtype, bytes, count))).toBe(
          undefined,
        );
      }),
      { numRuns: 60 },
    );
  });

  it('falls back to core when the fast paths are off', () => {
    setWasmKernelsEnabled(false);
    const values = Int8Array.from([1, -2, 3, -4, 5]);
    expect(packFast('int4', values)).toEqual(pack('int4', values));
  });
});

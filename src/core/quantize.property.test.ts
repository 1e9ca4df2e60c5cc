// Property tests of quantize/dequantize over every qtype, both schemes, all granularities and
// tensors with NaN, +-Inf, -0, subnormals, constants and all zeros. fast-check prints the
// seed and the shrunk counterexample of any failure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Granularity } from './granularity.js';
import type { QuantSpec } from './qparams.js';
import { QTYPES, QTYPE_NAMES } from './qtypes.js';
import { dequantize, quantize } from './quantize.js';
import { chooseTensorQParams, qparamsFromRanges, type QParams } from './tensor-qparams.js';

// Huge values stop at 1e38: grids of ranges within ~20% of float32 max reach past it at the edge.
const specialValue = fc.constantFrom(0, -0, 1e-45, -1e-45, 1.17e-38, 1e38, -1e38);
const finiteValue = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e4, max: 1e4 }) },
  { weight: 1, arbitrary: specialValue },
);
const anyValue = fc.oneof(
  { weight: 6, arbitrary: finiteValue },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);

const spec: fc.Arbitrary<QuantSpec> = fc
  .record({
    qtype: fc.constantFrom(...QTYPE_NAMES),
    scheme: fc.constantFrom('symmetric' as const, 'asymmetric' as const),
    range: fc.constantFrom('narrow' as const, 'full' as const),
    reduceRange: fc.boolean(),
  })
  .map((s) => (QTYPES[s.qtype].bits < 4 ? { ...s, reduceRange: false } : s));

/** A shape of rank 1-3 and a granularity valid for it. */
const shaped = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('per-tensor', 'per-axis', 'per-block'),
      )
      .map(([axis, blockSize, kind]): { shape: number[]; granularity: Granularity } => ({
        shape,
        granularity:
          kind === 'per-tensor'
            ? { kind }
            : kind === 'per-axis'
              ? { kind, axis }
              : { kind, axis, blockSize },
      })),
  );

function tensorOf(value: fc.Arbitrary<number>) {
  return shaped.chain(({ shape, granularity }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = fc.oneof(
      { weight: 6, arbitrary: fc.array(value, { minLength: n, maxLength: n }) },
      { weight: 1, arbitrary: value.map((v) => new Array<number>(n).fill(v)) },
    );
    return data.map((values) => ({ shape, granularity, x: Float32Array.from(values) }));
  });
}

/** Params chosen from the finite part of the data, so non-finite values can still be quantized. */
function paramsFor(x: Float32Array, shape: number[], s: QuantSpec, g: Granularity): QParams {
  const finite = x.map((v) => (Number.isFinite(v) ? v : 0));
  return chooseTensorQParams(finite, shape, s, g);
}

function groupOf(params: QParams, shape: number[], i: number): number {
  const g = params.granularity;
  if (g.kind === 'per-tensor') return 0;
  const inner = shape.slice(g.axis + 1).reduce((a, b) => a * b, 1);
  const length = shape[g.axis]!;
  const c = Math.floor(i / inner) % length;
  if (g.kind === 'per-axis') return c;
  const o = Math.floor(i / (inner * length));
  return (o * Math.ceil(length / g.blockSize) + Math.floor(c / g.blockSize)) * inner + (i % inner);
}

const runs = { numRuns: 300 };

describe('quantize properties', () => {
  it('values stay in [qmin, qmax] of the qtype, for any input including NaN and Inf', () => {
    fc.assert(
      fc.property(tensorOf(anyValue), spec, ({ shape, granularity, x }, s) => {
        const q = quantize(x, shape, paramsFor(x, shape, s, granularity));
        const { qmin, qmax } = QTYPES[s.qtype];
        for (const v of q) expect(v >= qmin && v <= qmax).toBe(true);
      }),
      runs,
    );
  });

  it('inside the range |x - dequantize(quantize(x))| <= scale / 2', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const params = paramsFor(x, shape, s, granularity);
        const q = quantize(x, shape, params);
        const r = dequantize(q, shape, params);
        const { qmin, qmax } = QTYPES[s.qtype];
        x.forEach((v, i) => {
          if (q[i] === qmin || q[i] === qmax) return; // saturated: outside the grid
          const scale = params.scale[groupOf(params, shape, i)]!;
          expect(Math.abs(v - r[i]!)).toBeLessThanOrEqual(scale / 2 + Math.abs(v) * 2 ** -22);
        });
      }),
      runs,
    );
  });

  it('real zero, -0 and NaN map exactly to the zero point', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const params = paramsFor(x, shape, s, granularity);
        const probe = new Float32Array(x.length);
        probe.forEach((_, i) => (probe[i] = [0, -0, NaN][i % 3]!));
        const q = quantize(probe, shape, params);
        q.forEach((v, i) => expect(v).toBe(params.zeroPoint[groupOf(params, shape, i)]));
        dequantize(q, shape, params).forEach((v) => expect(v).toBe(0));
      }),
      runs,
    );
  });

  it('+Inf saturates to qmax and -Inf to qmin', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const params = paramsFor(x, shape, s, granularity);
        const q = quantize(
          x.map((_, i) => (i % 2 === 0 ? Infinity : -Infinity)),
          shape,
          params,
        );
        const { qmin, qmax } = QTYPES[s.qtype];
        q.forEach((v, i) => expect(v).toBe(i % 2 === 0 ? qmax : qmin));
      }),
      runs,
    );
  });

  it('the symmetric zero point is 0 for signed types and 2^(b-1) for unsigned ones', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const sym = { ...s, scheme: 'symmetric' as const };
        const params = paramsFor(x, shape, sym, granularity);
        const info = QTYPES[s.qtype];
        const centre = info.signed ? 0 : 2 ** (info.bits - (s.reduceRange === true ? 2 : 1));
        for (const z of params.zeroPoint) expect(z).toBe(centre);
      }),
      runs,
    );
  });

  it('quantize(dequantize(q)) == q for every q of the grid the scale was chosen for', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const params = paramsFor(x, shape, s, granularity);
        const { qmin, qmax } = params.grid;
        const q = x.map((_, i) => qmin + ((i * 7919) % (qmax - qmin + 1)));
        const real = dequantize(q, shape, params);
        const back = quantize(real, shape, params);
        // Levels whose real value overflows float32 (full-range grids at absmax ~3.4e38) excepted.
        q.forEach((v, i) => Number.isFinite(real[i]) && expect(back[i]).toBe(v));
      }),
      runs,
    );
  });

  it('quantize is monotonic: x <= y implies q(x) <= q(y) under the same parameters', () => {
    fc.assert(
      fc.property(fc.array(anyValue, { minLength: 2, maxLength: 64 }), spec, (values, s) => {
        const x = Float32Array.from(values.filter((v) => !Number.isNaN(v))).sort();
        const params = paramsFor(x, [x.length], s, { kind: 'per-tensor' });
        const q = quantize(x, [x.length], params);
        for (let i = 1; i < q.length; i++) expect(q[i]!).toBeGreaterThanOrEqual(q[i - 1]!);
      }),
      runs,
    );
  });

  it('per-axis equals per-tensor applied to each slice', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, x }, s) => {
        const axis = shape.length - 1;
        const perAxis = paramsFor(x, shape, s, { kind: 'per-axis', axis });
        const q = quantize(x, shape, perAxis);
        const length = shape[axis]!;
        for (let c = 0; c < length; c++) {
          const slice = x.filter((_, i) => i % length === c);
          const params = paramsFor(slice, [slice.length], s, { kind: 'per-tensor' });
          expect(params.scale[0]).toBe(perAxis.scale[c]);
          expect(params.zeroPoint[0]).toBe(perAxis.zeroPoint[c]);
          const expected = quantize(slice, [slice.length], params);
          expect(Array.from(q.filter((_, i) => i % length === c))).toEqual(Array.from(expected));
        }
      }),
      runs,
    );
  });

  it('every scale is finite and positive, for constants, zeros and subnormals too', () => {
    fc.assert(
      fc.property(tensorOf(finiteValue), spec, ({ shape, granularity, x }, s) => {
        const params = paramsFor(x, shape, s, granularity);
        for (const scale of params.scale) {
          expect(Number.isFinite(scale) && scale > 0).toBe(true);
        }
      }),
      runs,
    );
  });

  it('ranges with NaN or Inf are rejected with bad-range', () => {
    expect(() =>
      qparamsFromRanges(
        { min: Float32Array.of(NaN), max: Float32Array.of(1) },
        { qtype: 'int8', scheme: 'symmetric' },
        { kind: 'per-tensor' },
      ),
    ).toThrow(/not finite/);
    expect(() =>
      chooseTensorQParams(Float32Array.of(1, Infinity), [2], {
        qtype: 'uint8',
        scheme: 'asymmetric',
      }),
    ).toThrow(/not finite/);
  });
});

// The observers' WebAssembly SIMD paths (kernels/wasm/) against their own TypeScript loops,
// forced by switching the fast paths off: min/max scans per tensor and per channel equal value
// for value, histograms count for count through growth, new lattices and NaN/Inf batches.
// fast-check over data with NaN, +-Inf, -0, subnormals, constants and all zeros.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { setWasmKernelsEnabled, wasmKernelsActive } from '../kernels/index.js';
import { Histogram, type HistogramOptions } from './histogram.js';
import { scanGroups } from './scan.js';

const special = fc.constantFrom(0, -0, 1e-45, -1e-45, 1.17e-38, 3e38, -3e38);
const value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }) },
  { weight: 1, arbitrary: special },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);
const values = (min: number, max: number): fc.Arbitrary<Float32Array> =>
  fc
    .oneof(
      { weight: 6, arbitrary: fc.array(value, { minLength: min, maxLength: max }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(value, fc.integer({ min, max }))
          .map(([v, n]) => new Array<number>(n).fill(v)),
      },
    )
    .map((a) => Float32Array.from(a));

/** Runs f with the fast paths on, then off (the reference), and returns both results. */
function bothWays<T>(f: () => T): [fast: T, reference: T] {
  const fast = f();
  setWasmKernelsEnabled(false);
  try {
    return [fast, f()];
  } finally {
    setWasmKernelsEnabled(true);
  }
}

afterEach(() => {
  setWasmKernelsEnabled(true);
});

describe('observers through the WebAssembly kernels equal their TypeScript loops', () => {
  it('has the WebAssembly SIMD path here', () => {
    expect(wasmKernelsActive()).toBe(true);
  });

  it('min/max scans per tensor and per channel, value for value (Object.is) and in counts', () => {
    const shaped = fc
      .array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 })
      .chain((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const axis = fc.option(fc.integer({ min: 0, max: shape.length - 1 }), { nil: undefined });
        return fc.tuple(fc.constant(shape), values(n, n), axis);
      });
    fc.assert(
      fc.property(shaped, ([shape, x, axis]) => {
        const [fast, reference] = bothWays(() => scanGroups(x, shape, axis));
        expect(fast.counts).toEqual(reference.counts);
        expect(Array.from(fast.min)).toEqual(Array.from(reference.min));
        expect(Array.from(fast.max)).toEqual(Array.from(reference.max));
      }),
      { numRuns: 200 },
    );
  });

  it('histograms count for count over batches that grow, jump and hold NaN/Inf', () => {
    const batch = fc
      .tuple(values(0, 300), fc.constantFrom(1, 1, 1e-3, 37, 1e6, 1e30))
      .map(([x, k]) => x.map((v) => v * k));
    const options: fc.Arbitrary<HistogramOptions> = fc.oneof(
      fc.record({ bins: fc.constantFrom(2, 3, 16, 101, 2048) }),
      fc.constant({ bins: 64, range: { min: -1, max: 2 } }),
    );
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 4 }), options, (batches, o) => {
        const [fast, reference] = bothWays(() => {
          const h = new Histogram(o);
          try {
            for (const b of batches) h.observe(b);
          } catch (error) {
            return String(error); // a span float32 cannot hold: both must refuse alike
          }
          return h;
        });
        if (typeof fast === 'string' || typeof reference === 'string') {
          expect(fast).toEqual(reference);
          return;
        }
        expect(fast.seen).toEqual(reference.seen);
        expect(fast.grid).toEqual(reference.grid);
        expect(fast.lattice).toEqual(reference.lattice);
        expect([fast.min, fast.max]).toEqual([reference.min, reference.max]);
        expect(Array.from(fast.counts)).toEqual(Array.from(reference.counts));
      }),
      { numRuns: 200 },
    );
  });

  it('histograms count alike where f64 rounds t - start for t just below the origin', () => {
    // Grid start -6144 units: t = -2e-27 is 6144 in f64 (bin 1536), not floor(t) + 6144 (1535).
    const tiny = [-1e-30, -1e-38, -1e-45, -0.4e-3, -0.9e-3, 0, -0, 1e-45, 1e-30];
    const x = Float32Array.from({ length: 64 }, (_, i) => (i % 8 === 0 ? -3 : tiny[i % 9]!));
    for (const second of [x, x.map((v) => v * 1e5)]) {
      const [fast, reference] = bothWays(() => {
        const h = new Histogram();
        h.observe(Float32Array.of(0, 1, 0.5, 0.25));
        h.observe(second);
        return h;
      });
      expect(fast.grid).toEqual(reference.grid);
      expect(fast.grid.start).toBeLessThan(0);
      expect(Array.from(fast.counts)).toEqual(Array.from(reference.counts));
    }
  });

  it('histograms place the lattice top alike after growth, with and without NaN', () => {
    // On grown grids the top's position falls on a bin edge: the kernel's check-free loop
    // (finite batch, max below the top) must not run for a batch that holds the top.
    const first = Float32Array.of(0, 1, 0.5, 0.25);
    const grown = [-3, 1, 0.9999999, 0.5, 1, -1e-3, 2.5, 1];
    for (const extra of [[], [NaN], [2], [Infinity]]) {
      const second = Float32Array.from([...grown, ...grown, ...extra, ...grown]);
      const [fast, reference] = bothWays(() => {
        const h = new Histogram({ bins: 64 });
        h.observe(first);
        h.observe(second);
        h.observe(Float32Array.of(0.75, 1, 1, 1, 0.25, 1, 1, 1));
        return h;
      });
      expect(fast.grid.exponent).toBeGreaterThan(0);
      expect(Array.from(fast.counts)).toEqual(Array.from(reference.counts));
    }
  });

  it('histograms of long batches (several chunks) count alike', () => {
    const n = 40_000;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * (1 + (i % 97)));
    const wide = x.map((v, i) => (i % 1000 === 0 ? v * 1e4 : v));
    const [fast, reference] = bothWays(() => {
      const h = new Histogram();
      h.observe(x);
      h.observe(wide);
      return h.snapshot();
    });
    expect(fast.counts).toEqual(reference.counts);
    expect(fast.total).toBe(2 * n);
  });
});

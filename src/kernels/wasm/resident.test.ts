// Arrays in kernel memory (resident.ts): the region bookkeeping, that views survive the memory
// growing, release and reuse, and that every fast path reading or writing them in place gives
// bit for bit what the copying path and core's loops give (NaN, +-Inf, -0, subnormals, tensors
// longer than a chunk, per axis, fake-quant in place, an overlapping output).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  chooseTensorQParams,
  dequantize,
  fakeQuantize,
  quantize,
  type QParams,
} from '../../core/index.js';
import { histogramAddFast } from './histogram.js';
import { CHUNK, setWasmKernelsEnabled, sharedKernels } from './instance.js';
import { minmaxFast } from './minmax.js';
import { dequantizeFast, fakeQuantizeFast, quantizeFast } from './quantize.js';
import { Regions } from './regions.js';
import { kernelArray, releaseKernelArray, residentAt } from './resident.js';
import { firstDifference } from './test-bits.js';

afterEach(() => {
  setWasmKernelsEnabled(true);
});

/** A resident float32 copy of x (the test needs shared memory, which Node has). */
function resident(x: Float32Array): Float32Array {
  const r = kernelArray(Float32Array, x.length);
  if (r === undefined) throw new Error('no shared kernel memory in this engine');
  r.set(x);
  return r;
}

/** n values with every kind of float32 the kernels treat apart, from a fixed seed. */
function mixed(n: number, seed: number): Float32Array {
  let s = seed;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const special = [NaN, Infinity, -Infinity, -0, 0, 1e-45, -3e-39, 1e38];
  return Float32Array.from({ length: n }, () =>
    next() < 0.01 ? special[Math.floor(next() * special.length)]! : (next() - 0.5) * 20,
  );
}

describe('Regions', () => {
  it('allocates 64-byte aligned ranges first fit, merges freed ones and drops a free tail', () => {
    const r = new Regions(128);
    const a = r.allocate(10);
    const b = r.allocate(100);
    const c = r.allocate(64);
    expect([a, b, c]).toEqual([128, 192, 320]);
    expect(r.end).toBe(384);
    r.free(b);
    expect(r.holds(192, 4)).toBe(false);
    expect(r.allocate(60)).toBe(192); // first fit, split
    expect(r.allocate(64)).toBe(256); // the split's rest
    r.free(c);
    expect(r.end).toBe(320);
    r.free(a);
    r.free(192);
    r.free(256);
    expect(r.end).toBe(128);
    expect(r.held).toBe(0);
  });

  it('holds a range only inside one allocated block', () => {
    const r = new Regions(0);
    const a = r.allocate(64);
    r.allocate(64);
    expect(r.holds(a, 64)).toBe(true);
    expect(r.holds(a + 32, 64)).toBe(false);
  });
});

describe('kernel arrays', () => {
  it('are zeroed, keep their values when the memory grows, and are reused after release', () => {
    const k = sharedKernels()!;
    const a = kernelArray(Float32Array, 1000)!;
    expect(a.every((v) => v === 0)).toBe(true);
    a[999] = 7.5;
    const before = k.buffer.byteLength;
    k.reserve([before + 4 * 65536]); // scratch past the end: the memory grows
    expect(k.buffer.byteLength).toBeGreaterThan(before);
    expect([a.length, a[999]]).toEqual([1000, 7.5]);
    const offset = a.byteOffset;
    releaseKernelArray(a);
    expect(residentAt(a)).toBeUndefined();
    const b = kernelArray(Int8Array, 4000)!;
    expect(b.byteOffset).toBe(offset);
    releaseKernelArray(b);
  });

  it('are not handed out when the fast paths are off', () => {
    setWasmKernelsEnabled(false);
    expect(kernelArray(Float32Array, 4)).toBeUndefined();
  });
});

describe('in place, equal to the copying path and core', () => {
  const n = 2 * CHUNK + 1234;
  const shape = [n / 2, 2].map(Math.floor);
  const x = mixed(2 * shape[0]!, 5);
  const params = (qtype: 'int8' | 'uint8', axis?: number): QParams =>
    chooseTensorQParams(
      x.map((v) => (Number.isFinite(v) ? v : 0)),
      shape,
      { qtype, scheme: qtype === 'int8' ? 'symmetric' : 'asymmetric' },
      axis === undefined ? { kind: 'per-tensor' } : { kind: 'per-axis', axis },
    );

  it('quantize and dequantize, per tensor and per axis, input and output resident', () => {
    for (const p of [params('int8'), params('uint8'), params('uint8', 1)]) {
      const r = resident(x);
      const want = quantize(x, shape, p);
      const out = kernelArray(want.constructor as Int8ArrayConstructor, x.length)!;
      expect(firstDifference(quantizeFast(r, shape, p), want)).toBeUndefined();
      expect(firstDifference(quantizeFast(r, shape, p, out), want)).toBeUndefined();
      const q = kernelArray(want.constructor as Int8ArrayConstructor, x.length)!;
      q.set(want);
      expect(
        firstDifference(dequantizeFast(q, shape, p), dequantize(want, shape, p)),
      ).toBeUndefined();
      [r, out, q].forEach(releaseKernelArray);
    }
  });

  it('fake-quant into itself, and an output overlapping the input elsewhere', () => {
    const p = params('int8');
    const want = fakeQuantize(x, shape, p);
    const r = resident(x);
    expect(firstDifference(fakeQuantizeFast(r, shape, p, r), want)).toBeUndefined();
    const big = kernelArray(Float32Array, x.length + 8)!;
    big.set(x);
    const shifted = big.subarray(8); // output 8 floats past the input: the copies run
    const input = big.subarray(0, x.length);
    const got = fakeQuantizeFast(input, shape, p, shifted);
    expect(firstDifference(got, want)).toBeUndefined();
    [r, big].forEach(releaseKernelArray);
  });

  it('minmax per tensor and per axis, and histogram counts, over random tensors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * CHUNK }), fc.nat(), (len, seed) => {
        const v = mixed(len, seed);
        const r = resident(v);
        try {
          for (const axis of [undefined, 0]) {
            const s = axis === undefined ? undefined : [len];
            expect(minmaxFast(r, s, axis)).toEqual(minmaxFast(v, s, axis));
          }
          const finite = v.filter((t) => Number.isFinite(t));
          const lo = Math.min(...finite.slice(0, 50000), -10);
          const g = {
            origin: Math.fround(lo),
            top: Math.fround(10),
            bins: 256,
            start: 0,
            exponent: 0,
          };
          const want = new Float64Array(256);
          const got = new Float64Array(256);
          expect(histogramAddFast(v, g, want)).toBe(true);
          expect(histogramAddFast(r, g, got)).toBe(true);
          expect(got).toEqual(want);
        } finally {
          releaseKernelArray(r);
        }
      }),
      { numRuns: 12 },
    );
  });
});

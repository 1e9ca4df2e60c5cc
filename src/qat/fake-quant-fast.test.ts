// The fake-quant forward's WebAssembly SIMD path (kernels' fakeQuantizeFast) against its own
// TypeScript loop, bit for bit: every granularity walk (per tensor, per axis with inner 1 and
// more, per block), the 4- and 8-bit ranges, learned float zero points, and NaN, +-Inf, -0 and
// ties. Skipped where WebAssembly SIMD is missing.
import { describe, expect, it } from 'vitest';
import { seededRandom, type Granularity } from '../core/index.js';
import { wasmKernelsActive } from '../kernels/wasm/instance.js';
import { fakeQuantForward, setFakeQuantFastPath, type FakeQuantSpec } from './fake-quant.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function values(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const x = Float32Array.from({ length: n }, () => (r() * 2 - 1) * 3);
  // Specials and exact ties (x / s = k + 0.5 at s = 0.25).
  const specials = [Number.NaN, Infinity, -Infinity, -0, 0, 0.125, -0.375, 1e30, -1e-30];
  specials.forEach((v, i) => (x[(i * 7) % n] = v));
  return x;
}

const CASES: { name: string; shape: number[]; granularity: Granularity; groups: number }[] = [
  { name: 'per tensor', shape: [5, 37], granularity: { kind: 'per-tensor' }, groups: 1 },
  { name: 'per axis 0', shape: [6, 33], granularity: { kind: 'per-axis', axis: 0 }, groups: 6 },
  { name: 'per axis, last', shape: [9, 7], granularity: { kind: 'per-axis', axis: 1 }, groups: 7 },
  {
    name: 'per block along K',
    shape: [64, 6],
    granularity: { kind: 'per-block', axis: 0, blockSize: 32 },
    groups: 12,
  },
];

const RANGES = [
  [-8, 7],
  [0, 15],
  [-128, 127],
  [0, 255],
] as const;

describe.skipIf(!wasmKernelsActive())('fake-quant forward, SIMD vs loop', () => {
  for (const c of CASES) {
    for (const [qmin, qmax] of RANGES) {
      it(`${c.name}, [${qmin}, ${qmax}], learned zero points: the same bits`, () => {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const x = values(n, n + qmax);
        const r = seededRandom(qmax);
        const scale = Float32Array.from({ length: c.groups }, (_, i) =>
          i === 0 ? 0.25 : 0.02 + r(),
        );
        const zp = Float32Array.from({ length: c.groups }, () => qmin + r() * (qmax - qmin));
        const spec: FakeQuantSpec = {
          qmin,
          qmax,
          granularity: c.granularity,
          learnZeroPoint: true,
        };
        const fast = fakeQuantForward(x, c.shape, spec, scale, zp);
        const previous = setFakeQuantFastPath(false);
        try {
          const loop = fakeQuantForward(x, c.shape, spec, scale, zp);
          expect(bits(fast)).toEqual(bits(loop));
        } finally {
          setFakeQuantFastPath(previous);
        }
      });
    }
  }
});

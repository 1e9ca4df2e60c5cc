import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dequantize, isZeropointError } from '../core/index.js';
import { blockQuantize, bytesPerWeight, checkFinite, transpose } from './weight-only-blocks.js';

const sym4 = { bits: 4, scheme: 'symmetric', blockSize: 16 } as const;
const asym4 = { bits: 4, scheme: 'asymmetric', blockSize: 16 } as const;

function ramp(n: number, offset = 0, step = 0.1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.fround(offset + i * step));
}

function mse(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return s / x.length;
}

describe('blockQuantize', () => {
  it('symmetric int4 blocks: zero point 0, scale = block absmax / 7, codes in [-7, 7]', () => {
    const w = ramp(32, -1.6);
    const q = blockQuantize(w, 1, 32, sym4, 'w');
    expect(q.qtype).toBe('int4');
    expect(Array.from(q.params.zeroPoint)).toEqual([0, 0]);
    expect(q.params.scale[0]).toBe(Math.fround(1.6 / 7));
    expect(q.params.scale[1]).toBe(Math.fround(Math.fround(-1.6 + 31 * 0.1) / 7));
    expect(Math.min(...q.codes)).toBe(-7);
  });

  it('asymmetric uint4 blocks: min/max per block, real zero exact', () => {
    const w = ramp(16, -0.3);
    const q = blockQuantize(w, 1, 16, asym4, 'w');
    expect(q.qtype).toBe('uint4');
    const z = q.params.zeroPoint[0]!;
    expect(z).toBeGreaterThan(0);
    expect(Math.min(...q.codes)).toBe(0);
    expect(Math.max(...q.codes)).toBe(15);
    expect(dequantize([z], [1, 1], { ...q.params, granularity: { kind: 'per-tensor' } })[0]).toBe(
      0,
    );
  });

  it('a partial last block gets the parameters of that block padded with zeros', () => {
    for (const spec of [sym4, asym4]) {
      const w = ramp(40, 0.05, 0.07);
      const padded = new Float32Array(48);
      padded.set(w);
      const q = blockQuantize(w, 1, 40, spec, 'w');
      const p = blockQuantize(padded, 1, 48, spec, 'w');
      expect(q.padding).toBe(8);
      expect(q.params.scale).toEqual(p.params.scale);
      expect(q.params.zeroPoint).toEqual(p.params.zeroPoint);
      expect(Array.from(q.codes)).toEqual(Array.from(p.codes).slice(0, 40));
    }
  });

  it('an all-zero block gets a finite scale and codes at its zero point', () => {
    for (const spec of [sym4, asym4, { ...sym4, bits: 8 as const }]) {
      const w = new Float32Array(32);
      w.set(ramp(16, 1), 16);
      const q = blockQuantize(w, 1, 32, { ...spec, clipSearch: true }, 'w');
      expect(Number.isFinite(q.params.scale[0]!)).toBe(true);
      expect(q.params.scale[0]).toBeGreaterThan(0);
      const back = dequantize(q.codes, [1, 32], q.params);
      expect(Array.from(back.slice(0, 16))).toEqual(new Array(16).fill(0));
    }
  });

  it('NaN and Inf weights fail with bad-model naming the initializer', () => {
    const w = ramp(32);
    w[5] = NaN;
    expect(() => blockQuantize(w, 2, 16, sym4, 'layer.weight')).toThrow(/layer\.weight.*NaN/);
    w[5] = Infinity;
    try {
      checkFinite(w, 'layer.weight');
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'bad-model')).toBe(true);
      expect((error as { context: { tensor: string } }).context.tensor).toBe('layer.weight');
    }
  });

  it('the clipping search never raises a block error above plain min/max', () => {
    const values = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.array(values, { minLength: 32, maxLength: 32 }), (list) => {
        const w = Float32Array.from(list);
        for (const spec of [sym4, asym4]) {
          const plain = blockQuantize(w, 2, 16, spec, 'w');
          const searched = blockQuantize(w, 2, 16, { ...spec, clipSearch: true }, 'w');
          const e0 = mse(w, dequantize(plain.codes, [2, 16], plain.params));
          const e1 = mse(w, dequantize(searched.codes, [2, 16], searched.params));
          expect(e1).toBeLessThanOrEqual(e0 * (1 + 1e-9) + 1e-30);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('refuses block sizes that are not powers of two from 16', () => {
    expect(() => blockQuantize(ramp(48), 1, 48, { ...sym4, blockSize: 24 }, 'w')).toThrow(
      /power of two/,
    );
  });
});

describe('bytesPerWeight', () => {
  it('int4 block 32: 0.5 + 4/32 symmetric, + 0.5/32 more for the zero point', () => {
    expect(bytesPerWeight({ bits: 4, scheme: 'symmetric', blockSize: 32 }, 128)).toBe(0.625);
    expect(bytesPerWeight({ bits: 4, scheme: 'asymmetric', blockSize: 32 }, 128)).toBe(0.640625);
    expect(bytesPerWeight({ bits: 8, scheme: 'asymmetric', blockSize: 64 }, 128)).toBe(1 + 5 / 64);
  });
});

describe('transpose', () => {
  it('[2, 3] -> [3, 2]', () => {
    expect(Array.from(transpose(Int8Array.of(1, 2, 3, 4, 5, 6), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

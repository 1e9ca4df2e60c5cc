// The WebAssembly sgemm path against the reference loops, every transpose combination and the
// awkward sizes (tails of the 4x8 blocks), accumulating and not.
import { describe, expect, it } from 'vitest';
import { wasmKernelsActive } from '../kernels/wasm/instance.js';
import { gemm } from './gemm.js';
import { gemmFast } from './gemm-fast.js';
import { randomTensor } from './grad-check.js';

describe('gemmFast equals the reference gemm', () => {
  it('runs on WebAssembly SIMD here', () => {
    expect(wasmKernelsActive()).toBe(true);
  });

  const sizes: [number, number, number][] = [
    [37, 45, 29],
    [64, 96, 48],
    [5, 130, 33],
  ];
  for (const [m, n, k] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          it(`[${m}x${k}]${transA ? 'ᵀ' : ''} [${k}x${n}]${transB ? 'ᵀ' : ''}${accumulate ? ' accumulating' : ''}`, () => {
            const a = randomTensor([m * k + 3], m).data;
            const b = randomTensor([k * n + 5], n).data;
            const start = randomTensor([m * n + 7], k).data;
            const want = start.slice();
            const got = start.slice();
            const args = [
              transA,
              transB,
              m,
              n,
              k,
              { data: a, offset: 3 },
              { data: b, offset: 5 },
            ] as const;
            gemm(...args, { data: want, offset: 7 }, accumulate);
            gemmFast(...args, { data: got, offset: 7 }, accumulate);
            let worst = 0;
            for (let i = 0; i < want.length; i++)
              worst = Math.max(worst, Math.abs((want[i] as number) - (got[i] as number)));
            expect(worst).toBeLessThan(1e-4);
            expect(got.subarray(0, 7)).toEqual(start.subarray(0, 7));
          });
        }
      }
    }
  }
});

// AdaRound's layer arithmetic: the error written through second moments equals the error of the
// explicit rows, and the learned rounding is never worse than nearest and reaches the best of
// every up/down choice on a problem small enough to enumerate.
import { describe, expect, it } from 'vitest';
import { gaussian } from '../observers/test-data.js';
import { adaroundLayer, layerError, type AdaroundProblem } from './adaround.js';

/** rows x k weights, n input rows x_f and x_q = x_f + noise, their moments. */
function problem(rows: number, k: number, n: number, seed: number) {
  const weight = gaussian(rows * k, seed, 0.5);
  const xf = gaussian(n * k, seed + 1);
  const noise = gaussian(n * k, seed + 2, 0.05);
  const xq = xf.map((v, i) => v + noise[i]!);
  const moment = (a: Float32Array, b: Float32Array) => {
    const h = new Float32Array(k * k);
    for (let r = 0; r < n; r++)
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          h[i * k + j] = h[i * k + j]! + (a[r * k + i]! * b[r * k + j]!) / n;
    return h;
  };
  const p: AdaroundProblem = {
    weight,
    rows,
    k,
    scale: new Float32Array(rows).fill(0.2),
    qmin: -127,
    qmax: 127,
    groups: 1,
    hqq: moment(xq, xq),
    hfq: moment(xf, xq),
    hff: moment(xf, xf),
  };
  // The error of codes q computed row by row: sum ||W~ x_q - W x_f||^2 / sum ||W x_f||^2.
  const direct = (q: ArrayLike<number>) => {
    let noiseSum = 0;
    let signal = 0;
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < rows; o++) {
        let y = 0;
        let yq = 0;
        for (let i = 0; i < k; i++) {
          y += weight[o * k + i]! * xf[r * k + i]!;
          yq += (q[o * k + i] as number) * 0.2 * xq[r * k + i]!;
        }
        noiseSum += (yq - y) ** 2;
        signal += y * y;
      }
    }
    return noiseSum / signal;
  };
  return { p, direct };
}

describe('adaroundLayer', () => {
  it('layer error from moments = error of the explicit rows', () => {
    const { p, direct } = problem(3, 5, 40, 7);
    const q = Array.from(p.weight, (w) => Math.round(w / 0.2) + (w > 0 ? 1 : 0));
    expect(layerError(p, q)).toBeCloseTo(direct(q), 5);
  });

  it('learned rounding = the best of all 2^6 up/down choices (2 rows x 3 inputs)', () => {
    for (const seed of [1, 11, 21]) {
      const { p, direct } = problem(2, 3, 12, seed);
      let best = Infinity;
      for (let mask = 0; mask < 64; mask++) {
        const q = Array.from(p.weight, (w, i) => Math.floor(w / 0.2) + ((mask >> i) & 1));
        best = Math.min(best, direct(q));
      }
      const result = adaroundLayer(p, { iterations: 400 });
      expect(result.error).toBeLessThanOrEqual(result.nearest);
      expect(direct(result.codes)).toBeCloseTo(result.error, 5);
      expect(result.error).toBeLessThanOrEqual(best * 1.0001 + 1e-9);
      // Every code is the weight rounded down or up.
      const steps = Array.from(result.codes, (c, i) => c - Math.floor(p.weight[i]! / 0.2));
      expect(steps.every((d) => d === 0 || d === 1)).toBe(true);
    }
  });

  it('never returns codes worse than nearest (zero iterations keeps nearest)', () => {
    const { p } = problem(4, 6, 30, 3);
    const result = adaroundLayer(p, { iterations: 0 });
    expect(result.error).toBe(result.nearest);
    expect(result.error).toBeLessThanOrEqual(result.nearest);
  });
});

// The decision flow on distributions whose answer is known: post-ReLU data goes asymmetric with
// a reason that cites the levels and the dB; a zero-centred one ties and stays asymmetric where
// zero points are free, and turns symmetric where symmetric kernels are cheaper; a weight gets
// symmetric int8 per channel. Every reason's numbers are the candidates' numbers.
import { describe, expect, it } from 'vitest';
import { HistogramObserver } from '../observers/index.js';
import { gaussian, relu } from '../observers/test-data.js';
import { activationCandidates, weightCandidates } from './candidates.js';
import { recommendActivation, recommendWeight, shapeOf } from './recommend.js';
import { statsOfHistogram, statsOfValues } from './tensor-stats.js';

function profile(x: Float32Array) {
  const h = new HistogramObserver('histogram');
  h.observe(x);
  return { stats: statsOfHistogram(h.snapshot()), candidates: activationCandidates(h.histogram) };
}

const FREE = { symmetric: 1, asymmetric: 1, qtype: 'uint8' } as const;

describe('recommendActivation', () => {
  it('post-ReLU data: asymmetric, because symmetric uses half the levels', () => {
    const { stats, candidates } = profile(relu(50_000, 21));
    const r = recommendActivation(stats, candidates, FREE, 'minmax');
    expect(shapeOf(stats)).toBe('non-negative');
    expect(r).toMatchObject({ scheme: 'asymmetric', qtype: 'uint8', rule: 'non-negative' });
    expect(r.reason).toMatch(
      /asymmetric uses 256 levels where symmetric uses 128; \+[5-7]\.\d dB SQNR/,
    );
    const sym = candidates.find((c) => c.scheme === 'symmetric' && c.method === 'minmax')!;
    expect(r.marginDb).toBeCloseTo(r.sqnrDb - sym.metrics.sqnrDb, 10);
  });

  it('zero-centred data at equal cost: a tie that keeps asymmetric, saying so', () => {
    const { stats, candidates } = profile(gaussian(50_000, 22));
    const r = recommendActivation(stats, candidates, FREE, 'minmax');
    expect(shapeOf(stats)).toBe('zero-centred');
    expect(r).toMatchObject({ scheme: 'asymmetric', rule: 'tie' });
    expect(r.reason).toMatch(/within 0.5 dB .* cost the same here: asymmetric/);
  });

  it('zero-centred data where symmetric kernels are cheaper: symmetric int8', () => {
    const { stats, candidates } = profile(gaussian(50_000, 23));
    const costs = { symmetric: 1, asymmetric: 1.15, qtype: 'int8' } as const;
    const r = recommendActivation(stats, candidates, costs, 'minmax');
    expect(r).toMatchObject({ scheme: 'symmetric', qtype: 'int8', rule: 'cheaper', cost: 1 });
    expect(r.reason).toMatch(/takes 0\.87x the kernel time here/);
  });

  it('cost never buys a symmetric grid that loses more than the cost is worth', () => {
    const { stats, candidates } = profile(relu(50_000, 24));
    const costs = { symmetric: 1, asymmetric: 1.15, qtype: 'int8' } as const;
    // 6 dB lost against 6.02 * log2(1.15) = 1.2 dB of cost: asymmetric still.
    expect(recommendActivation(stats, candidates, costs, 'minmax').scheme).toBe('asymmetric');
  });

  it('takes the range of the method asked for', () => {
    const { stats, candidates } = profile(gaussian(50_000, 25));
    const r = recommendActivation(stats, candidates, FREE, 'percentile');
    expect(r.method).toBe('percentile');
  });
});

describe('recommendWeight', () => {
  it('symmetric int8 per channel, with its gain over per tensor in the reason', () => {
    const w = gaussian(16 * 27, 26).map((v, i) => v * (1 + Math.floor(i / 27)));
    const candidates = weightCandidates(w, [16, 3, 3, 3], 0);
    const r = recommendWeight(statsOfValues(w), candidates, true);
    expect(r).toMatchObject({ scheme: 'symmetric', qtype: 'int8', granularity: 'per-channel' });
    const gain = /per channel \+(\d+\.\d) dB over per tensor/.exec(r.reason);
    expect(Number(gain?.[1])).toBeGreaterThan(3);
  });
});

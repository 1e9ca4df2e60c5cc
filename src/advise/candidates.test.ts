// Activation candidates as the builder will use them: where the range guard replaces a clipping
// method's range (entropy's tail cut on post-ReLU data), the candidate carries min/max's range
// and error and keeps its own range and SQNR in `guarded`; other ranges stand as chosen.
import { describe, expect, it } from 'vitest';
import { HistogramObserver, RANGE_GUARD_DB } from '../observers/index.js';
import { gaussian, relu } from '../observers/test-data.js';
import { activationCandidates, CANDIDATE_SPECS, RANGE_METHODS } from './candidates.js';

function candidates(x: Float32Array) {
  const h = new HistogramObserver('histogram');
  h.observe(x);
  return activationCandidates(h.histogram);
}

describe('RANGE_METHODS', () => {
  it('are the methods the registry marks advised: minmax and the clipping histogram methods', () => {
    expect(RANGE_METHODS).toEqual(['minmax', 'percentile', 'entropy', 'mse']);
  });
});

describe('activationCandidates and the range guard', () => {
  it('gives entropy min/max’s range on post-ReLU data, keeping its own beside it', () => {
    const all = candidates(relu(100_000, 9));
    for (const spec of CANDIDATE_SPECS) {
      const of = (method: string) =>
        all.find((c) => c.scheme === spec.scheme && c.qtype === spec.qtype && c.method === method)!;
      const minmax = of('minmax');
      const entropy = of('entropy');
      expect(entropy.guarded).not.toBeNull();
      expect(entropy.range).toEqual(minmax.range);
      expect(entropy.metrics).toEqual(minmax.metrics);
      expect(entropy.guarded!.range.max).toBeLessThan(minmax.range.max / 1.5);
      expect(entropy.guarded!.sqnrDb).toBeLessThan(minmax.metrics.sqnrDb - RANGE_GUARD_DB);
      expect(of('percentile').guarded).toBeNull();
      expect(of('mse').guarded).toBeNull();
    }
  });

  it('leaves every range of a gaussian as its method chose it', () => {
    expect(candidates(gaussian(100_000, 7)).every((c) => c.guarded === null)).toBe(true);
  });
});

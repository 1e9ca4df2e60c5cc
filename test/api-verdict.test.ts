// quantizeStatic with `verdict`: the library returns what `zeropoint quantize` writes (the
// variant the verdict picks, timed against fp32 on the first calibration batch) and the verdict;
// without it, the plain static build; with only a cache there is nothing to time on.
import { describe, expect, it } from 'vitest';
import { quantizeStatic } from '../src/api/index.js';
import { isZeropointError } from '../src/core/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

describe('quantizeStatic verdict', () => {
  it('returns the chosen variant and the verdict; without the option, the static build', async () => {
    const model = convChain();
    const feeds = convInputs(3, 1);
    const plain = await quantizeStatic(model, feeds);
    expect(plain.verdict).toBeUndefined();
    const judged = await quantizeStatic(model, feeds, { verdict: { runs: 5, prefer: 'size' } });
    const { verdict } = judged;
    expect(verdict?.candidates[0]!.label).toBe('int8');
    const chosen = verdict!.candidates.find((c) => c.label === verdict!.chosen)!;
    expect(judged.model.length).toBe(chosen.bytes);
    expect(verdict!.words).toMatch(/smaller/);
  });

  it('refuses the verdict without feeds (a cache alone)', async () => {
    const model = convChain();
    const { calibration } = await quantizeStatic(model, convInputs(2, 1));
    const error: unknown = await quantizeStatic(model, undefined, {
      cache: calibration,
      verdict: {},
    }).catch((e: unknown) => e);
    expect(isZeropointError(error, 'bad-argument')).toBe(true);
  });
});

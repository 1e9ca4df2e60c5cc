// quantizeQat through the package entry: its report is the static report of the PTQ part, so a
// rewrite the static recipe made (here --equalize's conv pairs) is reported as quantizeStatic
// reports it, plus report.qat. Lean: 2 steps on the 8x8 conv chain.
import { describe, expect, it } from 'vitest';
import { quantizeQat, quantizeStatic } from '../src/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

describe('quantizeQat reports the static part as quantizeStatic does', () => {
  it('carries equalize when asked, and the qat figures', async () => {
    const model = convChain();
    const feeds = convInputs(8, 7);
    const qat = await quantizeQat(model, feeds, {
      equalize: true,
      steps: 2,
      batchSize: 2,
      holdout: 2,
    });
    const ptq = await quantizeStatic(model, feeds.slice(0, 6), { equalize: true });
    expect(qat.report.equalize?.pairs.length).toBeGreaterThan(0);
    expect(qat.report.equalize?.pairs).toEqual(ptq.report.equalize?.pairs);
    expect(qat.report.qat.settings.steps).toBe(2);
    expect(qat.report.sizeAfter).toBe(qat.model.length);
  });
});

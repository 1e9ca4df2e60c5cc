// Weight-only QAT (int4 blocks) on the tiny transformer: without steps the write-back gives
// PTQ's codes back (same held-out SQNR), with 30 steps of distillation the held-out output SQNR
// rises well above int4 RTN's, the same inputs give the same bytes, and keep-best keeps the
// measured step that is best by the figure asked for.
import { describe, expect, it } from 'vitest';
import { quantizeWeightsQat } from '../src/api/index.js';
import { runWeightQatRecipe } from '../src/qat/weight-qat.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';

describe('runWeightQatRecipe', () => {
  const model = tinyTransformer();
  const train = tinyTransformerFeeds(8, 2, 3);
  const held = tinyTransformerFeeds(3, 2, 9);
  const options = { bits: 4, blockSize: 16 } as const;

  it('writes PTQ codes back unchanged without training', async () => {
    const r = await runWeightQatRecipe(model, train, held, options, { steps: 0 });
    expect(r.report.weights).toBe(7);
    expect(r.report.after).toBe(r.report.before);
    expect(r.report.kept).toBe('ptq');
  });

  it('starts from the PTQ codes where GPTQ did not round to nearest', async () => {
    const feeds = [...train, ...held];
    const gptq = { ...options, algorithm: 'gptq', holdout: held.length } as const;
    const r = await quantizeWeightsQat(model, feeds, { ...gptq, steps: 0 });
    const rtn = await quantizeWeightsQat(model, feeds, { ...gptq, algorithm: 'rtn', steps: 0 });
    // GPTQ's codes give another held-out SQNR than RTN's; written back untrained, the same.
    expect(r.report.before).not.toBeCloseTo(rtn.report.before, 3);
    expect(r.report.after).toBe(r.report.before);
    expect(r.report.heldOut.after).toEqual(r.report.heldOut.before);
  });

  it('recovers held-out KL and SQNR lost to int4 RTN, deterministically', async () => {
    const settings = { steps: 30, batchSize: 4 };
    const r = await runWeightQatRecipe(model, train, held, options, settings);
    // Int4 RTN is 18.62 dB here; 30 steps of KL distillation, kept by held-out KL, gain ~3 dB.
    const { before, after } = r.report.heldOut;
    expect(after!.kl!).toBeLessThan(before.kl! / 2);
    expect(r.report.after).toBeGreaterThan(r.report.before + 2);
    expect(r.report.kept).toBe('qat');
    expect(r.bytes).toBe(r.tuned);
    const again = await runWeightQatRecipe(model, train, held, options, settings);
    expect(again.tuned).toEqual(r.tuned);
  });

  for (const keepBy of ['top1', 'kl', 'sqnr'] as const) {
    it(`keeps the measured step with the best held-out ${keepBy}`, async () => {
      const measured: { step: number; value: number; bytes: Uint8Array }[] = [];
      const value = (f: { top1: number | null; kl: number | null; sqnr: number }) =>
        keepBy === 'top1' ? f.top1! : keepBy === 'kl' ? -f.kl! : f.sqnr;
      const r = await runWeightQatRecipe(model, train, held, options, {
        steps: 12,
        batchSize: 4,
        evalEvery: 2,
        keepBy,
        onMeasured: (step, f, write) => measured.push({ step, value: value(f), bytes: write() }),
      });
      expect(measured.map((m) => m.step)).toEqual([2, 4, 6, 8, 10, 12]);
      const best = Math.max(...measured.map((m) => m.value));
      const kept = measured.find((m) => m.step === r.report.bestStep);
      expect(kept?.value).toBe(best);
      expect(r.tuned).toEqual(kept?.bytes);
      expect(r.report.heldOut.before.top1).not.toBeNull();
      expect(r.report.heldOut.after?.kl).toBeGreaterThanOrEqual(0);
    });
  }
});

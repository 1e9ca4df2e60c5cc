// The tally behind `zeropoint bench` and `quantize --variants`, on numbers small enough to check
// by hand: SQNR, cosine, max |diff| and top-1 summed over samples; which outputs count as
// distributions; the two top-1 rules and the strict mode's coded error.
import { describe, expect, it } from 'vitest';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { AgreementTally, isDistribution } from './agreement-tally.js';

const t = (dims: number[], values: number[]): RuntimeTensor => ({
  type: 'float32',
  dims,
  data: Float32Array.from(values),
});

describe('AgreementTally', () => {
  const ref = { y: t([2, 2], [0.5, 0.25, 0.25, 0.75]) };
  const out = { y: t([2, 2], [0.75, 0.5, 0.5, 0.25]) };
  // diffs 0.25 0.25 0.25 0.5: noise 0.4375; signal 0.25+0.0625+0.0625+0.5625 = 0.9375

  it('a model compared with itself: infinite SQNR, no difference, full top-1', () => {
    const tally = new AgreementTally();
    tally.add(ref, ref);
    expect(tally.result()).toEqual([
      { output: 'y', cosine: 1, sqnrDb: Infinity, maxAbsError: 0, top1: 1 },
    ]);
  });

  it('SQNR = 10 log10(signal / noise), top-1 counts rows whose argmax matches', () => {
    const tally = new AgreementTally();
    tally.add(ref, out);
    const [a] = tally.result();
    expect(a!.sqnrDb).toBeCloseTo(10 * Math.log10(0.9375 / 0.4375), 12);
    expect(a!.maxAbsError).toBe(0.5);
    expect(a!.top1).toBe(0.5);
  });

  it('sums signal, noise and rows over samples', () => {
    const tally = new AgreementTally();
    tally.add(ref, out);
    tally.add(ref, ref);
    const [a] = tally.result();
    expect(a!.sqnrDb).toBeCloseTo(10 * Math.log10((2 * 0.9375) / 0.4375), 12);
    expect(a!.top1).toBe(0.75);
  });

  it('matches outputs by position when names differ, and leaves out mismatched sizes', () => {
    const tally = new AgreementTally();
    tally.add({ y: ref.y, z: t([3], [1, 2, 3]) }, { renamed: ref.y, other: t([2], [1, 2]) });
    expect(tally.result()).toEqual([
      { output: 'y', cosine: 1, sqnrDb: Infinity, maxAbsError: 0, top1: 1 },
    ]);
  });
});

describe('isDistribution', () => {
  it('[batch, classes] scores are one, whatever their values', () => {
    expect(isDistribution([1, 3], Float64Array.from([-2, 5, 1]))).toBe(true);
  });
  it('per-step softmax rows are one; a sigmoid map is not', () => {
    expect(isDistribution([1, 2, 2], Float64Array.from([0.5, 0.5, 0.9, 0.1]))).toBe(true);
    expect(isDistribution([1, 1, 2, 2], Float64Array.from([0.9, 0.8, 0.1, 0.3]))).toBe(false);
  });
  it('a single class or a vector is not one', () => {
    expect(isDistribution([4, 1], Float64Array.from([1, 1, 1, 1]))).toBe(false);
    expect(isDistribution([4], Float64Array.from([0.25, 0.25, 0.25, 0.25]))).toBe(false);
  });
});

describe('AgreementTally options', () => {
  const logits = { y: t([1, 2, 3], [4, -1, 2, 0.5, 3, -2]) };
  const flipped = { y: t([1, 2, 3], [4, -1, 2, 0.5, -3, 2]) };

  it('top-1 of logits per position only under the last-axis rule', () => {
    const loose = new AgreementTally();
    loose.add(logits, flipped);
    expect(loose.result()[0]!.top1).toBeNull();
    const lastAxis = new AgreementTally({ top1: 'last-axis' });
    lastAxis.add(logits, flipped);
    expect(lastAxis.result()[0]!.top1).toBe(0.5);
  });

  it('cosine of opposite outputs is -1', () => {
    const tally = new AgreementTally();
    tally.add({ y: t([3], [1, 2, 3]) }, { y: t([3], [-1, -2, -3]) });
    expect(tally.result()[0]!.cosine).toBeCloseTo(-1, 12);
  });

  it('strict mode names the output whose size differs, and the one missing', () => {
    const strict = new AgreementTally({ strict: true });
    const short = () => strict.add(logits, { y: t([1, 3], [1, 2, 3]) });
    expect(short).toThrow(expect.objectContaining({ code: 'bad-model' }));
    expect(short).toThrow(/output 'y' holds 3 values in the candidate model, 6 in the reference/);
    expect(() => new AgreementTally({ strict: true }).add(logits, {})).toThrow(
      expect.objectContaining({ code: 'bad-model' }),
    );
  });
});

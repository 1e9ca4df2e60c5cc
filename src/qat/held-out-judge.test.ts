// The held-out judge (top-1, KL, SQNR; which state wins) and the logits KL loss it pairs with:
// figures against hand-computed values, the ranking rule, and the loss's gradient against
// central differences at two temperatures.
import { describe, expect, it } from 'vitest';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { distill } from './distill-loss.js';
import { beats, HeldOutTally, replaces, type HeldOutFigures } from './held-out-judge.js';

const f32 = (dims: number[], values: number[]): RuntimeTensor => ({
  type: 'float32',
  dims,
  data: Float32Array.from(values),
});

describe('HeldOutTally', () => {
  it('counts top-1 agreement of logit rows and their softmax KL', () => {
    const tally = new HeldOutTally('last-axis');
    // Two rows of three logits; the student flips the second row's argmax.
    const teacher = f32([1, 2, 3], [2, 0, 0, 0, 1, 0]);
    const student = f32([1, 2, 3], [2, 0, 0, 0, 0, 1]);
    tally.add({ logits: teacher }, { logits: student });
    const r = tally.result();
    expect(r.top1).toBe(0.5);
    // Row 2: p = softmax(0,1,0), q = softmax(0,0,1): KL = sum p log(p/q).
    const e = Math.E;
    const p = [1 / (2 + e), e / (2 + e), 1 / (2 + e)];
    const q = [p[0]!, p[2]!, p[1]!];
    const kl2 = p.reduce((s, pi, j) => s + pi * Math.log(pi / q[j]!), 0);
    expect(r.kl).toBeCloseTo(kl2 / 2, 6);
    expect(r.sqnr).toBeCloseTo(10 * Math.log10(5 / 2), 6);
  });

  it('takes rows that are distributions as they are, and skips a map without classes', () => {
    const tally = new HeldOutTally('distributions');
    const probs = f32([1, 1, 2], [0.75, 0.25]);
    const map = f32([1, 1, 2, 2], [0.1, 0.9, 0.4, 0.3]);
    tally.add({ probs, map }, { probs: f32([1, 1, 2], [0.5, 0.5]), map });
    const r = tally.result();
    expect(r.top1).toBe(1);
    expect(r.kl).toBeCloseTo(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5), 6);
  });

  it('has no top-1 or KL when no output has classes', () => {
    const tally = new HeldOutTally('distributions');
    tally.add({ y: f32([1, 1, 3], [1, 2, 3]) }, { y: f32([1, 1, 3], [1, 2, 4]) });
    expect(tally.result().top1).toBeNull();
    expect(tally.result().kl).toBeNull();
  });
});

const f = (top1: number | null, kl: number | null, sqnr: number): HeldOutFigures => ({
  top1,
  kl,
  sqnr,
});

describe('beats', () => {
  it('ranks by top-1 when asked, SQNR breaking a tie', () => {
    expect(beats('top1', f(0.9, 1, 10), f(0.8, 0, 30))).toBe(true);
    expect(beats('top1', f(0.9, 1, 31), f(0.9, 1, 30))).toBe(true);
    expect(beats('top1', f(0.9, 1, 30), f(0.9, 1, 30))).toBe(false);
  });
  it("ranks by KL (lower) by default ('auto'), by SQNR when asked or without classes", () => {
    expect(beats('auto', f(0.5, 0.1, 10), f(0.9, 0.2, 30))).toBe(true);
    expect(beats('auto', f(0.5, 0.1, 31), f(0.9, 0.1, 30))).toBe(true);
    expect(beats('auto', f(null, null, 29), f(null, null, 30))).toBe(false);
    expect(beats('sqnr', f(0.5, 0.1, 31), f(0.9, 0.0, 30))).toBe(true);
    expect(beats('top1', f(null, null, 31), f(null, null, 30))).toBe(true);
    expect(beats('auto', f(1, 0, Number.NaN), f(1, 0, 3))).toBe(false);
  });
});

describe('replaces', () => {
  it('replaces PTQ only when it beats it and loses on no other figure', () => {
    // The recognizer's case: KL fell, top-1 agreement and SQNR fell with it.
    expect(replaces('auto', f(0.9724, 0.098, 14.34), f(0.9753, 0.117, 14.12))).toBe(false);
    expect(replaces('auto', f(0.9753, 0.098, 14.0), f(0.9753, 0.117, 14.12))).toBe(false);
    expect(replaces('auto', f(0.9753, 0.098, 14.12), f(0.9753, 0.117, 14.12))).toBe(true);
    expect(replaces('auto', f(0.98, 0.118, 15), f(0.9753, 0.117, 14.12))).toBe(false);
    expect(replaces('auto', f(null, null, 31), f(null, null, 30))).toBe(true);
  });
});

describe("distill('kl-logits')", () => {
  const y = Float32Array.from([0.3, -1.2, 2.0, 0.5, 0.1, -0.4]);
  const t = Float32Array.from([1.0, -0.5, 1.5, 0.0, 0.7, -0.2]);
  for (const temperature of [1, 2.5]) {
    it(`has the central-difference gradient at T = ${temperature}`, () => {
      const { grad } = distill('kl-logits', y, t, [2, 3], temperature);
      const h = 1e-3;
      for (let i = 0; i < y.length; i++) {
        const up = Float32Array.from(y);
        const down = Float32Array.from(y);
        up[i] = up[i]! + h;
        down[i] = down[i]! - h;
        const numeric =
          (distill('kl-logits', up, t, [2, 3], temperature).loss -
            distill('kl-logits', down, t, [2, 3], temperature).loss) /
          (2 * h);
        expect(grad[i]).toBeCloseTo(numeric, 3);
      }
    });
  }
  it('is zero at the teacher', () => {
    expect(distill('kl-logits', t, t, [2, 3]).loss).toBeCloseTo(0, 12);
  });
});

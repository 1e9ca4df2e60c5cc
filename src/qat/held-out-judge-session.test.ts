// judgeBytes / judgeModel against a stand-in onnxruntime session: one session per judgement,
// released after it (also when a run fails), and the SQNR it reports is held-out-judge's (the
// figure the training graph's judge gives), not a second computation. Not the figures' maths.
import { describe, expect, it, vi } from 'vitest';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import { distillObjective, judgeBytes } from './objective.js';
import { HeldOutTally } from './held-out-judge.js';
import type { Sample } from './samples.js';

const state = vi.hoisted(() => ({ opened: 0, released: 0, failAt: -1, runs: 0 }));

vi.mock(import('../runtime/onnxruntime.js'), async (importOriginal) => ({
  ...(await importOriginal()),
  // The student's output is its input halved: a known error against the teacher (the input).
  createSession: vi.fn(() => {
    state.opened++;
    return Promise.resolve({
      run: (feeds: Record<string, RuntimeTensor>) => {
        if (state.runs++ === state.failAt) return Promise.reject(new Error('run failed'));
        const x = feeds.x!;
        return Promise.resolve({ y: { ...x, data: (x.data as Float32Array).map((v) => v / 2) } });
      },
      release: () => {
        state.released++;
        return Promise.resolve();
      },
    } as never);
  }),
}));

const f32 = (values: number[]): RuntimeTensor => ({
  type: 'float32',
  dims: [1, values.length],
  data: Float32Array.from(values),
});
const samples: Sample[] = [
  [0.2, 0.8],
  [0.6, 0.4],
  [0.9, 0.1],
].map((v, index) => ({ feeds: { x: f32(v) }, teacher: { y: f32(v) }, key: 'x:1x2', index }));

describe('judgeBytes', () => {
  it('opens one session, releases it, and reports the tally SQNR and the mean loss', async () => {
    Object.assign(state, { opened: 0, released: 0, failAt: -1, runs: 0 });
    const score = await judgeBytes(
      new Uint8Array(),
      samples,
      ['y'],
      distillObjective('mse', ['y']),
      1,
    );
    expect([state.opened, state.released]).toEqual([1, 1]);
    const tally = new HeldOutTally('distributions');
    for (const s of samples) {
      const y = s.teacher.y!;
      tally.add({ y }, { y: { ...y, data: (y.data as Float32Array).map((v) => v / 2) } });
    }
    // Halving every value: noise is a quarter of the signal, 6.02 dB.
    expect(score.sqnr).toBe(tally.result().sqnr);
    expect(score.sqnr).toBeCloseTo(10 * Math.log10(4), 6);
    const mse = samples.reduce((n, s) => {
      const t = s.teacher.y!.data as Float32Array;
      return n + t.reduce((a, v) => a + (v / 2) ** 2, 0) / t.length / samples.length;
    }, 0);
    expect(score.loss).toBeCloseTo(mse, 6);
  });

  it('releases the session when a run fails', async () => {
    Object.assign(state, { opened: 0, released: 0, failAt: 1, runs: 0 });
    const judged = judgeBytes(new Uint8Array(), samples, ['y'], distillObjective('mse', ['y']), 1);
    await expect(judged).rejects.toThrow('run failed');
    expect([state.opened, state.released]).toEqual([1, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { choose, judgeLatency, type MeasuredCandidate } from './verdict.js';

const m = (label: string, bytes: number, latency: number): MeasuredCandidate => ({
  label,
  bytes,
  smaller: 1000 / bytes,
  medianMs: latency,
  latency,
});
const small = m('small-slow', 250, 1.12);
const mid = m('mid', 400, 1.03);
const fast = m('fast', 600, 0.7);

describe('choose', () => {
  it('balanced: the smallest within 5 % of fp32, else the fastest', () => {
    expect(choose([small, mid, fast], 'balanced', undefined, 0.05)).toBe(mid);
    expect(choose([small], 'balanced', undefined, 0.05)).toBe(small);
    expect(choose([small, m('slower', 300, 1.3)], 'balanced', undefined, 0.05)?.label).toBe(
      'small-slow',
    );
  });

  it('size takes the smallest, speed the fastest, both within --max-latency', () => {
    expect(choose([small, mid, fast], 'size', undefined, 0.05)).toBe(small);
    expect(choose([small, mid, fast], 'speed', undefined, 0.05)).toBe(fast);
    expect(choose([small, mid, fast], 'size', 0.8, 0.05)).toBe(fast);
    const twin = m('twin', 252, 0.9); // as small within 2 %: the faster of the two
    expect(choose([small, twin, fast], 'size', undefined, 0.05)).toBe(twin);
    expect(choose([small, mid], 'speed', 0.8, 0.05)).toBeUndefined();
  });
});

function model(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [1, 64]);
  b.initializer('w', 'float32', [64, 64], new Float32Array(64 * 64).fill(0.01));
  b.output(b.op('MatMul', ['x', 'w']), 'float32');
  return b.bytes(13, 8);
}

describe('judgeLatency', () => {
  const feeds = { x: { type: 'float32' as const, dims: [1, 64], data: new Float32Array(64) } };

  it('times the candidates against fp32 and says so in words', async () => {
    const fp32 = model();
    const verdict = await judgeLatency(fp32, [{ label: 'int8', bytes: fp32 }], feeds, { runs: 5 });
    expect(verdict).toMatchObject({ chosen: 'int8', prefer: 'balanced', threads: 1, runs: 5 });
    expect(verdict.candidates[0]!.smaller).toBe(1);
    expect(verdict.candidates[0]!.latency).toBeGreaterThan(0);
    expect(verdict.words).toMatch(/^(1\.00x smaller at|keeps 1\.00x smaller)/);
  });

  it('names the fastest variant and says keep fp32 when none meets --max-latency', async () => {
    const fp32 = model();
    const verdict = await judgeLatency(fp32, [{ label: 'int8', bytes: fp32 }], feeds, {
      runs: 5,
      maxLatency: 1e-6,
    });
    expect(verdict.chosen).toBeUndefined();
    expect(verdict.words).toMatch(
      /^no quantized variant meets --max-latency 0\.00x: the fastest, int8,.*keep fp32$/,
    );
  });
});

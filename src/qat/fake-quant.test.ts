// Fake-quant against PyTorch (fixtures from scripts/gen-fake-quant-fixtures.py, torch 1.13:
// fake_quantize_per_tensor/_per_channel_affine and the _learnable_ variants), against core's
// fakeQuantize, and against finite differences of its own forward pass for the scale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fakeQuantize, type Granularity, type QParams } from '../core/index.js';
import {
  fakeQuantBackward,
  fakeQuantForward,
  lsqGradScale,
  roundZeroPoint,
  type FakeQuantSpec,
} from './fake-quant.js';

interface TorchCase {
  readonly name: string;
  readonly shape: number[];
  readonly qmin: number;
  readonly qmax: number;
  readonly axis: number | null;
  readonly learnable: boolean;
  readonly gradFactor: number;
  readonly x: number[];
  readonly scale: number[];
  readonly zeroPoint: number[];
  readonly dy: number[];
  readonly y: number[];
  readonly dx: number[];
  readonly dScale?: number[];
  readonly dZeroPoint?: number[];
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/torch-fake-quant/fake-quant.json', import.meta.url),
    'utf8',
  ),
) as { cases: TorchCase[] };

function specOf(c: TorchCase): FakeQuantSpec {
  const granularity: Granularity =
    c.axis === null ? { kind: 'per-tensor' } : { kind: 'per-axis', axis: c.axis };
  return {
    qmin: c.qmin,
    qmax: c.qmax,
    granularity,
    learnZeroPoint: c.learnable,
    gradScale: c.gradFactor,
  };
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(rel * scale);
  }
}

describe('fake-quant equals PyTorch', () => {
  it('the fixtures cover 16 cases over four qtypes', () => expect(fixture.cases.length).toBe(16));
  for (const c of fixture.cases) {
    it(`${c.name}: forward bit for bit, gradients within 1e-5`, () => {
      const spec = specOf(c);
      const x = Float32Array.from(c.x);
      const scale = Float32Array.from(c.scale);
      const zeroPoint = Float32Array.from(c.zeroPoint);
      expect(Array.from(fakeQuantForward(x, c.shape, spec, scale, zeroPoint))).toEqual(c.y);
      const needs = { x: true, scale: c.learnable, zeroPoint: c.learnable };
      const grads = fakeQuantBackward(
        x,
        c.shape,
        spec,
        scale,
        zeroPoint,
        Float32Array.from(c.dy),
        needs,
      );
      // torch's masked gradient writes dy * 0, so -0 where dy < 0: equal as numbers.
      expect(Array.from(grads.x!, (v) => v + 0)).toEqual(c.dx.map((v) => v + 0));
      if (c.learnable) {
        expectClose(grads.scale!, c.dScale!, 1e-5);
        expectClose(grads.zeroPoint!, c.dZeroPoint!, 1e-5);
      }
    });
  }
});

describe('fake-quant forward', () => {
  it('equals core fakeQuantize per block (int4, blocks of 4 along axis 1)', () => {
    const shape = [3, 10];
    const x = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * (i % 7));
    const granularity: Granularity = { kind: 'per-block', axis: 1, blockSize: 4 };
    const scale = Float32Array.from({ length: 9 }, (_, i) => 0.1 + i * 0.07);
    const zp = Int32Array.from({ length: 9 }, (_, i) => (i % 3) - 1);
    const params: QParams = {
      qtype: 'int4',
      granularity,
      scale,
      zeroPoint: zp,
      grid: { qmin: -8, qmax: 7 },
    };
    const spec: FakeQuantSpec = { qmin: -8, qmax: 7, granularity, learnZeroPoint: false };
    const ours = fakeQuantForward(x, shape, spec, scale, Float32Array.from(zp));
    expect(Array.from(ours)).toEqual(Array.from(fakeQuantize(x, shape, params)));
  });

  it('maps NaN to the zero point and saturates infinities', () => {
    const spec: FakeQuantSpec = {
      qmin: 0,
      qmax: 255,
      granularity: { kind: 'per-tensor' },
      learnZeroPoint: true,
    };
    const y = fakeQuantForward(
      Float32Array.of(NaN, Infinity, -Infinity),
      [3],
      spec,
      Float32Array.of(0.5),
      Float32Array.of(10.2),
    );
    expect(Array.from(y)).toEqual([0, 122.5, -5]);
  });

  it('rounds a learned zero point half to even and clamps it', () => {
    expect([2.5, 3.5, -0.6, 300].map((z) => roundZeroPoint(z, 0, 255))).toEqual([2, 4, 0, 255]);
  });
});

describe('fake-quant backward', () => {
  it('the scale gradient matches finite differences of the loss sum(y * dy) off the rounding ties', () => {
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.37) * 3);
    const dy = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.91));
    const spec: FakeQuantSpec = {
      qmin: -8,
      qmax: 7,
      granularity: { kind: 'per-tensor' },
      learnZeroPoint: false,
      gradScale: 1,
    };
    const s = 0.3;
    // LSQ's gradient treats round(x/s) as constant: the loss with the integers frozen.
    const frozen = (scale: number) => {
      let sum = 0;
      for (let i = 0; i < x.length; i++) {
        const q = Math.min(7, Math.max(-8, Math.round(x[i]! / s)));
        sum += dy[i]! * q * scale;
      }
      return sum;
    };
    const h = 1e-4;
    const numeric = (frozen(s + h) - frozen(s - h)) / (2 * h);
    const pseudo = x.reduce((acc, xi, i) => {
      const q = Math.round(xi / s);
      return q >= -8 && q <= 7 ? acc - dy[i]! * (xi / s) : acc;
    }, 0);
    const grads = fakeQuantBackward(x, [64], spec, Float32Array.of(s), Float32Array.of(0), dy, {
      x: false,
      scale: true,
      zeroPoint: false,
    });
    // d/ds of q*s with q frozen, minus the STE's x/s inside the range: LSQ's definition.
    expect(grads.scale![0]!).toBeCloseTo(numeric + pseudo, 4);
  });

  it('a fixed zero point gets a zero gradient, and the default gradient scale is 1/sqrt(N qmax)', () => {
    const spec: FakeQuantSpec = {
      qmin: 0,
      qmax: 255,
      granularity: { kind: 'per-tensor' },
      learnZeroPoint: false,
    };
    const x = Float32Array.of(-10, 0.2, 300);
    const grads = fakeQuantBackward(
      x,
      [3],
      spec,
      Float32Array.of(1),
      Float32Array.of(3),
      Float32Array.of(1, 1, 1),
      { x: true, scale: true, zeroPoint: true },
    );
    expect(Array.from(grads.zeroPoint!)).toEqual([0]);
    expect(Array.from(grads.x!)).toEqual([0, 1, 0]);
    const g = lsqGradScale(3, 255);
    // (0 - 3) + (0 - 0.2) + (255 - 3), times g.
    expect(grads.scale![0]!).toBeCloseTo((-3 - 0.2 + 252) * g, 5);
  });

  it('a one-value zero point serves every group as if repeated (the int32 bias grid)', () => {
    // Was: groups past the first read an undefined zero point, no clamp and NaN scale gradients.
    const spec: FakeQuantSpec = {
      qmin: -127,
      qmax: 127,
      granularity: { kind: 'per-axis', axis: 0 },
      learnZeroPoint: true,
    };
    const x = Float32Array.of(0.3, -5, 900, -0.7);
    const scale = Float32Array.of(0.1, 0.02, 2, 0.01);
    const dy = Float32Array.of(1, -2, 0.5, 3);
    const needs = { x: true, scale: true, zeroPoint: true };
    const one = Float32Array.of(2);
    const repeated = Float32Array.of(2, 2, 2, 2);
    const y = fakeQuantForward(x, [4], spec, scale, one);
    expect(Array.from(y)).toEqual(Array.from(fakeQuantForward(x, [4], spec, scale, repeated)));
    expect(y[1]).toBeCloseTo(-129 * 0.02, 6);
    const shared = fakeQuantBackward(x, [4], spec, scale, one, dy, needs);
    const each = fakeQuantBackward(x, [4], spec, scale, repeated, dy, needs);
    expect(Array.from(shared.scale!)).toEqual(Array.from(each.scale!));
    expect(shared.scale!.every(Number.isFinite)).toBe(true);
    expect(shared.zeroPoint!).toHaveLength(1);
    expect(shared.zeroPoint![0]).toBeCloseTo(
      each.zeroPoint!.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('per axis along the last axis (a MatMul weight) equals per axis 0 of the transpose', () => {
    const spec = (axis: number): FakeQuantSpec => ({
      qmin: -127,
      qmax: 127,
      granularity: { kind: 'per-axis', axis },
      learnZeroPoint: false,
    });
    const rows = 3;
    const cols = 4;
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * (i % 4) * 3);
    const dy = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const t = (a: Float32Array) =>
      Float32Array.from({ length: 12 }, (_, i) => a[(i % rows) * cols + Math.floor(i / rows)]!);
    const scale = Float32Array.of(0.01, 0.02, 0.05, 0.03);
    const zp = new Float32Array(4);
    const needs = { x: true, scale: true, zeroPoint: false };
    const y = fakeQuantForward(x, [rows, cols], spec(1), scale, zp);
    expect(Array.from(t(y))).toEqual(
      Array.from(fakeQuantForward(t(x), [cols, rows], spec(0), scale, zp)),
    );
    const last = fakeQuantBackward(x, [rows, cols], spec(1), scale, zp, dy, needs);
    const first = fakeQuantBackward(t(x), [cols, rows], spec(0), scale, zp, t(dy), needs);
    expect(Array.from(t(last.x!))).toEqual(Array.from(first.x!));
    Array.from(last.scale!).forEach((v, c) => expect(v).toBeCloseTo(first.scale![c]!, 6));
  });
});

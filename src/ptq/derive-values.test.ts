// derive-values: the branch-free Clip equals the plain definition (x unless strictly outside
// [lo, hi], as std::max/std::min) bit for bit on -0, subnormals, infinities, NaN and values at
// and beside the bounds, for zero, signed-zero, infinite and equal bounds. The bits against
// onnxruntime's own Clip and Relu are in derived-tensors.test.ts.
import { describe, expect, it } from 'vitest';
import { deriveTensors, type BatchTensor } from './derive-values.js';

const SPECIAL = [
  -0,
  0,
  1e-45,
  -1e-45,
  1.1754942e-38,
  -1.1754942e-38,
  1,
  -1,
  6,
  -6,
  3.4028235e38,
  -3.4028235e38,
  Infinity,
  -Infinity,
  NaN,
];

/** The specials, each bound and its float32 neighbours, and a spread of ordinary values. */
function values(bounds: readonly number[]): Float32Array {
  const near = bounds.filter(Number.isFinite).flatMap((b) => {
    const f = Float32Array.of(b);
    const u = new Uint32Array(f.buffer);
    const step = (d: number) => {
      const g = Float32Array.of(0);
      new Uint32Array(g.buffer)[0] = u[0]! + d;
      return g[0]!;
    };
    return [b, step(1), step(-1)];
  });
  const spread = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 401) / 20 - 10);
  return Float32Array.from([...SPECIAL, ...near, ...spread]);
}

function clipped(x: Float32Array, min: number, max: number): Float32Array {
  const tensors = new Map<string, BatchTensor>([['x', { dims: [x.length], data: x }]]);
  deriveTensors([{ tensor: 'y', op: 'Clip', x: 'x', min, max }], tensors, new Map());
  return tensors.get('y')!.data;
}

const bits = (a: Float32Array) => [...new Uint32Array(a.slice().buffer)];
const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

describe('deriveTensors: Clip', () => {
  const bounds: [number, number][] = [
    [0, 6],
    [0, Infinity],
    [-0, 6],
    [0, 0],
    [-0, -0],
    [0, -0],
    [-Infinity, Infinity],
    [-1, 1],
    [-3.4028235e38, 0],
    [0, 1e-45],
    [5, 5],
    [-Infinity, -6],
    [6, Infinity],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
    [6, -6], // lo > hi: the plain loop's answer
  ];
  for (const [min, max] of bounds) {
    it(`equals x < lo ? lo : hi < x ? hi : x bit for bit on [${show(min)}, ${show(max)}]`, () => {
      const x = values([min, max]);
      const expected = x.map((v) => (v < min ? min : max < v ? max : v));
      expect(bits(clipped(x, min, max))).toEqual(bits(expected));
    });
  }

  it('keeps -0 on a bound of 0 and NaN as NaN', () => {
    const y = clipped(Float32Array.of(-0, NaN, -2, 7), 0, 6);
    expect(Object.is(y[0], -0)).toBe(true);
    expect(y[1]).toBeNaN();
    expect([...y.slice(2)]).toEqual([0, 6]);
  });
});

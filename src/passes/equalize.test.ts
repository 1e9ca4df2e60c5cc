// Cross-layer equalization on tiny conv graphs: ranges balanced, Relu6/HardSwish pairs skipped
// with the reason, depthwise -> pointwise handled. Exactness in onnxruntime: test/rewrites-ort.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph, readModel } from '../onnx/index.js';
import { channelAbsMax, downstreamAbsMax } from './channel-scale.js';
import { findChannelSite, isSite } from './channel-site.js';
import { equalizeConvPairs } from './equalize.js';

/** x [1, 4, 6, 6] -> Conv (c1 out, grouped `g1`) -> `act` -> Conv (c2 out, grouped `g2`). */
function pair(act: 'Relu' | 'Relu6' | 'none' | 'HardSwish', depthwise = false) {
  const b = new ModelBuilder();
  const x = b.input('x', 'float32', [1, 4, 6, 6]);
  const c1 = depthwise ? 4 : 6;
  const values = (n: number, k: number) =>
    Array.from({ length: n }, (_, i) => Math.sin(i * k) * (1 + (i % 5)));
  const w1 = b.initializer(
    'w1',
    'float32',
    depthwise ? [4, 1, 3, 3] : [6, 4, 3, 3],
    values(c1 * (depthwise ? 9 : 36), 1.3),
  );
  const b1 = b.initializer('b1', 'float32', [c1], values(c1, 0.7));
  const groups = depthwise ? [attr.int('group', 4)] : [];
  let y = b.op('Conv', [x, w1, b1], [attr.ints('pads', [1, 1, 1, 1]), ...groups]);
  if (act === 'Relu') y = b.op('Relu', [y]);
  if (act === 'Relu6')
    y = b.op('Clip', [
      y,
      b.initializer('lo', 'float32', [], [0]),
      b.initializer('hi', 'float32', [], [6]),
    ]);
  if (act === 'HardSwish') y = b.op('HardSwish', [y]);
  const w2 = b.initializer('w2', 'float32', [5, c1, 1, 1], values(5 * c1, 0.31));
  b.output(b.op('Conv', [y, w2]), 'float32', [1, 5, 6, 6]);
  return buildGraph(readModel(b.bytes()));
}

describe('equalizeConvPairs', () => {
  for (const act of ['Relu', 'none'] as const) {
    it(`balances per-channel weight ranges across Conv -> ${act} -> Conv`, () => {
      const graph = pair(act);
      const report = equalizeConvPairs(graph);
      expect(report.pairs).toHaveLength(1);
      expect(report.pairs[0]!.balanceBefore).toBeLessThan(0.9);
      const site = findChannelSite(graph, report.pairs[0]!.tensor, 'channels-first');
      if (!isSite(site)) throw new Error(site.reason);
      const r1 = channelAbsMax(graph, site.upstreamWeight!, site.channels);
      const r2 = downstreamAbsMax(graph, site);
      r1.forEach((v, c) => expect(v).toBeCloseTo(r2[c]!, 4));
    });
  }

  it('balances depthwise -> pointwise', () => {
    const report = equalizeConvPairs(pair('Relu', true));
    expect(report.pairs).toHaveLength(1);
    expect(report.pairs[0]!.balanceAfter).toBeGreaterThan(0.999);
  });

  it('skips Relu6 and HardSwish pairs, saying they are not positive-homogeneous', () => {
    for (const act of ['Relu6', 'HardSwish'] as const) {
      const report = equalizeConvPairs(pair(act));
      expect(report.pairs).toHaveLength(0);
      expect(report.skipped[0]!.reason).toMatch(/positive-homogeneous|scale through/);
    }
    expect(equalizeConvPairs(pair('Relu6')).skipped[0]!.reason).toMatch(/Relu6/);
  });
});

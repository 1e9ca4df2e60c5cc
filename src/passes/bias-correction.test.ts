// Bias correction: with the corrected bias, a Conv whose weights are rounded gives the float
// Conv's output on inputs at their channel means (grouped convs included), and insertQdq
// stores the corrected bias only when it is given means.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { chooseTensorQParams, fakeQuantize } from '../core/index.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { weightRoundingShift } from './bias-correction.js';
import { insertQdq } from './insert-qdq.js';
import { planQuantization } from './plan-quantization.js';

const W = Float32Array.from(
  { length: 4 * 2 * 3 * 3 },
  (_, i) => Math.sin(i * 1.7) * 0.3 + 0.01 * i,
);
const B = [0.5, -0.25, 0.125, 1];

/** x [1, 4, 3, 3] -> Conv(W [4, 2, 3, 3], B, group 2) -> Relu -> y. */
function groupedConv() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 4, 3, 3]);
  const w = b.initializer('w', 'float32', [4, 2, 3, 3], W);
  const bias = b.initializer('b', 'float32', [4], B);
  b.output(b.op('Relu', [b.op('Conv', [x, w, bias], [attr.int('group', 2)])]));
  return buildGraph(b.model({ opset: 13 }));
}

/** Output channel m of the grouped conv on an input that is `means[c]` everywhere. */
function convAtMeans(w: Float32Array, bias: ArrayLike<number>, means: number[], m: number) {
  let y = bias[m]!;
  const group = Math.floor(m / 2);
  for (let i = 0; i < 2; i++) {
    for (let k = 0; k < 9; k++) y += w[(m * 2 + i) * 9 + k]! * means[group * 2 + i]!;
  }
  return y;
}

describe('bias correction', () => {
  const means = [8, -3, 0.5, 12];

  it('makes the rounded weights give the float output at the input means', () => {
    const graph = groupedConv();
    const node = graph.nodes[0]!;
    const params = chooseTensorQParams(
      W,
      [4, 2, 3, 3],
      { qtype: 'int8', scheme: 'symmetric' },
      { kind: 'per-axis', axis: 0 },
    );
    const dq = fakeQuantize(W, [4, 2, 3, 3], params);
    const shift = weightRoundingShift(node, W, [4, 2, 3, 3], params, means)!;
    const corrected = B.map((b, m) => b - shift[m]!);
    for (let m = 0; m < 4; m++) {
      const float = convAtMeans(W, B, means, m);
      expect(convAtMeans(dq, corrected, means, m)).toBeCloseTo(float, 9);
      // Uncorrected, rounding moves this output by a visible amount.
      expect(Math.abs(convAtMeans(dq, B, means, m) - float)).toBeGreaterThan(1e-4);
    }
    expect(weightRoundingShift(node, W, [4, 2, 3, 3], params, [1, 2, 3])).toBeUndefined();
  });

  it('stores the corrected bias when insertQdq gets the means, the plain one without', () => {
    const ranges = new Map([
      ['x', { min: -4, max: 13 }],
      ['conv_0', { min: -2, max: 6 }],
    ]);
    const stored = (withMeans: boolean) => {
      const graph = groupedConv();
      const plan = planQuantization(graph, { biasCorrection: true });
      expect(plan.channelMeans).toEqual([{ node: 'conv_0', tensor: 'x', axis: 1 }]);
      const report = insertQdq(graph, plan, ranges, new Map(withMeans ? [['x', means]] : []));
      expect(report.correctedBias).toBe(withMeans ? 1 : 0);
      const dq = graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === 'b_q')!;
      const q = graph.constantValue('b_q')!.data as Int32Array;
      const scale = graph.constantValue(dq.input[1]!)!.data as Float32Array;
      return Array.from(q, (v, c) => v * scale[c]!);
    };
    const plain = stored(false);
    const corrected = stored(true);
    plain.forEach((b, c) => expect(b).toBeCloseTo(B[c]!, 3));
    expect(corrected).not.toEqual(plain);
    expect(planQuantization(groupedConv(), {}).channelMeans).toEqual([]);
  });
});

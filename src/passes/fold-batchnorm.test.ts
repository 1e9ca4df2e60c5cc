import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { foldBatchNorm } from './fold-batchnorm.js';

const W = [1, -2, 3, 0.5, 4, -1, 2, 2]; // [2, 1, 2, 2]
const BN = { gamma: [2, 0.5], beta: [1, -1], mean: [0.5, -2], variance: [3, 0.25] };

function convBn(
  opType: 'Conv' | 'ConvTranspose',
  extra: (b: GraphBuilder, bn: string) => void,
  attributes = [attr.int('group', 1)],
) {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, opType === 'Conv' ? 1 : 2, 3, 3]);
  const w = b.initializer('w', 'float32', [2, 1, 2, 2], W);
  const bias = b.initializer('b', 'float32', [2], [0.25, -0.75]);
  const conv = b.op(opType, [x, w, bias], attributes);
  const params = Object.entries(BN).map(([k, v]) => b.initializer(k, 'float32', [2], v));
  const bn = b.op('BatchNormalization', [conv, ...params], [attr.float('epsilon', 1e-3)]);
  extra(b, bn);
  return b.model();
}

const s = BN.gamma.map((g, c) => g / Math.sqrt(BN.variance[c]! + 1e-3));

describe('foldBatchNorm', () => {
  it('folds BN into Conv weights per output channel and keeps the BN output name', () => {
    const graph = buildGraph(convBn('Conv', (b, bn) => b.output(bn)));
    const folds = foldBatchNorm(graph);
    verifyGraph(graph);
    expect(folds).toEqual([
      { into: 'Conv_0', opType: 'BatchNormalization', node: 'BatchNormalization_1' },
    ]);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(graph.nodes[0]!.output).toEqual(['batchnormalization_1']);
    const w = graph.constantValue(graph.nodes[0]!.input[1]!)!.data as Float32Array;
    W.forEach((v, i) => expect(w[i]).toBeCloseTo(v * s[Math.floor(i / 4)]!, 5));
    const bias = graph.constantValue(graph.nodes[0]!.input[2]!)!.data as Float32Array;
    [0.25, -0.75].forEach((v, c) => {
      expect(bias[c]).toBeCloseTo((v - BN.mean[c]!) * s[c]! + BN.beta[c]!, 5);
    });
    for (const name of Object.keys(BN)) expect(graph.initializer(name)).toBeUndefined();
  });

  it('folds into ConvTranspose along weight axis 1, its output channels', () => {
    // W [2, 1, 2, 2] with group 2: input channel c feeds output channel c alone.
    const model = convBn('ConvTranspose', (b, bn) => b.output(bn), [attr.int('group', 2)]);
    const graph = buildGraph(model);
    expect(foldBatchNorm(graph)).toHaveLength(1);
    verifyGraph(graph);
    const w = graph.constantValue(graph.nodes[0]!.input[1]!)!.data as Float32Array;
    W.forEach((v, i) => expect(w[i]).toBeCloseTo(v * s[Math.floor(i / 4)]!, 5));
  });

  it('leaves BN alone when the conv output has another reader or BN is in training mode', () => {
    const shared = buildGraph(
      convBn('Conv', (b, bn) => {
        b.output(bn);
        b.output(b.op('Relu', ['conv_0']));
      }),
    );
    expect(foldBatchNorm(shared)).toEqual([]);
    const training = buildGraph(convBn('Conv', (b, bn) => b.output(bn)));
    training.nodes[1]!.attribute.push(attr.int('training_mode', 1));
    expect(foldBatchNorm(training)).toEqual([]);
    verifyGraph(training);
  });
});

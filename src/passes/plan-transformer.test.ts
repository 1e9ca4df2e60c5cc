// The static plan of a transformer block (the tiny one built in code): weight MatMuls and Softmax
// run as integer kernels, QK^T and AV stay float by default (quantized when asked), and
// LayerNorm, Erf and the embedding Gather stay float with the reason onnxruntime's CPU provider
// gives them.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph, readModel } from '../onnx/index.js';
import { tinyTransformer } from '../../test/helpers/tiny-transformer.js';
import { planQuantization } from './plan-quantization.js';

describe('transformer placement', () => {
  const plan = planQuantization(buildGraph(readModel(tinyTransformer())));
  const of = (op: string) => plan.nodes.filter((n) => n.opType === op);

  it('quantizes every MatMul, weight x activation and activation x activation, and Softmax when asked', () => {
    const asked = planQuantization(buildGraph(readModel(tinyTransformer())), {
      activationMatMul: 'quantize',
    });
    const matmuls = asked.nodes.filter((n) => n.opType === 'MatMul');
    expect(matmuls).toHaveLength(9);
    expect(matmuls.every((n) => n.status === 'quantized')).toBe(true);
    expect(asked.nodes.find((n) => n.opType === 'Softmax')!.status).toBe('quantized');
  });

  it('keeps LayerNormalization, Erf and the embedding Gather float, saying why', () => {
    expect(of('LayerNormalization')[0]!.reason).toMatch(/no QDQ fusion in onnxruntime CPU/);
    expect(of('Erf')[0]!.reason).toMatch(/no integer kernel in onnxruntime CPU/);
    expect(of('Gather')[0]!.reason).toMatch(/embedding/);
  });

  it('keeps the Add of an attention mask and the Softmax after it float', () => {
    const b = new ModelBuilder();
    const x = b.input('x', 'float32', [1, 4, 8]);
    const scores = b.op('MatMul', [x, b.op('Transpose', [x], [attr.ints('perm', [0, 2, 1])])]);
    const causal = Array.from({ length: 16 }, (_, i) => (i % 4 > Math.floor(i / 4) ? -10000 : 0));
    const masked = b.op('Add', [scores, b.initializer('mask', 'float32', [4, 4], causal)]);
    const probs = b.op('Softmax', [masked], [attr.int('axis', -1)]);
    b.output(b.op('MatMul', [probs, x]), 'float32');
    const options = { activationMatMul: 'quantize' } as const;
    const nodes = planQuantization(buildGraph(readModel(b.bytes())), options).nodes;
    const status = Object.fromEntries(nodes.map((n) => [n.opType, n.status]));
    expect(status).toMatchObject({ Add: 'float', Softmax: 'float', MatMul: 'quantized' });
    expect(nodes.find((n) => n.opType === 'Softmax')!.reason).toMatch(/attention mask/);
  });

  it('keeps QK^T and AV float by default (activationMatMul: float), weight MatMuls still quantized', () => {
    const matmuls = of('MatMul');
    expect(plan.activationMatMul).toBe('float');
    expect(matmuls.filter((n) => n.status === 'float').map((n) => n.reason)).toEqual([
      expect.stringMatching(/QK\^T, AV/),
      expect.stringMatching(/QK\^T, AV/),
    ]);
    expect(matmuls.filter((n) => n.status === 'quantized')).toHaveLength(7);
  });
});

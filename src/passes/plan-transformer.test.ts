// The static plan of a transformer block (the tiny one built in code): every MatMul (weights and
// QK^T, AV) and Softmax run as integer kernels, and LayerNorm, Erf and the embedding Gather stay
// float with the reason onnxruntime's CPU provider gives them.
import { describe, expect, it } from 'vitest';
import { buildGraph, readModel } from '../onnx/index.js';
import { tinyTransformer } from '../../test/helpers/tiny-transformer.js';
import { planQuantization } from './plan-quantization.js';

describe('transformer placement', () => {
  const plan = planQuantization(buildGraph(readModel(tinyTransformer())));
  const of = (op: string) => plan.nodes.filter((n) => n.opType === op);

  it('quantizes every MatMul, weight x activation and activation x activation, and Softmax', () => {
    expect(of('MatMul')).toHaveLength(9);
    expect(of('MatMul').every((n) => n.status === 'quantized')).toBe(true);
    expect(of('Softmax')[0]!.status).toBe('quantized');
  });

  it('keeps LayerNormalization, Erf and the embedding Gather float, saying why', () => {
    expect(of('LayerNormalization')[0]!.reason).toMatch(/no QDQ fusion in onnxruntime CPU/);
    expect(of('Erf')[0]!.reason).toMatch(/no integer kernel in onnxruntime CPU/);
    expect(of('Gather')[0]!.reason).toMatch(/embedding/);
  });
});

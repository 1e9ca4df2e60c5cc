import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { LAYERNORM_STAYS_FLOAT } from './plan-layernorm.js';
import { planQuantization } from './plan-quantization.js';

const D = 8;
const vector = (b: GraphBuilder, name: string, k: number) =>
  b.initializer(
    name,
    'float32',
    [D],
    Float32Array.from({ length: D }, (_, i) => k + i * 0.1),
  );

/**
 * x -> MatMul -> LayerNorm written out as SVTR exports it -> MatMul -> y; `gammaFrom` 'input'
 * multiplies by the graph input instead of a constant gamma (not a LayerNorm).
 */
function svtrBlock(gammaFrom: 'constant' | 'input' = 'constant') {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 4, D]);
  const w = (name: string) =>
    b.initializer(
      name,
      'float32',
      [D, D],
      Float32Array.from({ length: D * D }, (_, i) => Math.sin(i)),
    );
  const h = b.op('MatMul', [x, w('w0')]);
  const axes = [attr.ints('axes', [-1]), attr.int('keepdims', 1)];
  const centred = b.op('Sub', [h, b.op('ReduceMean', [h], axes)]);
  const square = b.op('Pow', [centred, b.initializer('two', 'float32', [], [2])]);
  const variance = b.op('ReduceMean', [square], axes);
  const eps = b.op('Add', [variance, b.initializer('eps', 'float32', [], [1e-5])]);
  const normal = b.op('Div', [centred, b.op('Sqrt', [eps])]);
  const scaled = b.op('Mul', [normal, gammaFrom === 'input' ? x : vector(b, 'gamma', 1)]);
  const shifted = b.op('Add', [scaled, vector(b, 'beta', 0)]);
  b.output(b.op('MatMul', [shifted, w('w1')]));
  return buildGraph(b.model());
}

const statusOf = (plan: ReturnType<typeof planQuantization>, opType: string) =>
  plan.nodes.filter((n) => n.opType === opType).map((n) => [n.status, n.reason]);

describe('a LayerNorm written out as ops in a static plan', () => {
  it('stays float as a whole (eps Add, gamma Mul, beta Add), the MatMuls around it quantized', () => {
    const plan = planQuantization(svtrBlock());
    expect(statusOf(plan, 'MatMul')).toEqual([
      ['quantized', undefined],
      ['quantized', undefined],
    ]);
    expect(statusOf(plan, 'Mul')).toEqual([['float', LAYERNORM_STAYS_FLOAT]]);
    expect(statusOf(plan, 'Add')).toEqual([
      ['float', LAYERNORM_STAYS_FLOAT],
      ['float', LAYERNORM_STAYS_FLOAT],
    ]);
    // No QDQ inside it: only its input (the first MatMul's output) and output are quantized.
    const quantized = new Set(plan.groups.flatMap((g) => g.tensors));
    expect(quantized.has('div_7')).toBe(false);
    expect(quantized.has('add_9')).toBe(true);
  });

  it('is not recognised when gamma is not a constant: the Mul and beta Add keep their kernels', () => {
    const plan = planQuantization(svtrBlock('input'));
    expect(statusOf(plan, 'Mul')).toEqual([['quantized', undefined]]);
    expect(plan.groups.some((g) => g.tensors.includes('div_7'))).toBe(true);
    expect(plan.nodes.some((n) => n.reason === LAYERNORM_STAYS_FLOAT)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { dropIfUnused, findWeightTargets, weightMatrix } from './weight-only-targets.js';

const w23 = [1, 2, 3, 4, 5, 6];

function model() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [4, 2]);
  const y = b.input('y', 'float32', [3, 4]);
  b.initializer('w', 'float32', [2, 3], w23);
  b.constant('wt', 'float32', [3, 2], [1, 4, 2, 5, 3, 6]);
  b.initializer('w3', 'float32', [1, 2, 3], w23);
  const plain = b.op('MatMul', [x, 'w']);
  const viaTranspose = b.op('MatMul', [x, b.op('Transpose', ['wt'], [attr.ints('perm', [1, 0])])]);
  const gemm = b.op('Gemm', [x, 'wt', 'bias'], [attr.int('transB', 1), attr.float('alpha', 2)]);
  b.initializer('bias', 'float32', [3], [1, 1, 1]);
  const activations = b.op('MatMul', [plain, y]);
  const transA = b.op('Gemm', [y, 'w'], [attr.int('transA', 1)]);
  const batched = b.op('MatMul', [x, 'w3']);
  for (const out of [viaTranspose, gemm, activations, transA, batched]) b.output(out);
  return buildGraph(b.model());
}

describe('findWeightTargets', () => {
  it('finds initializer, Constant and Transpose-d weights, with their layout', () => {
    const graph = model();
    const { targets } = findWeightTargets(graph);
    expect(
      targets.map((t) => [t.node.opType, t.weight, t.layout, t.k, t.n, t.alpha, t.bias?.name]),
    ).toEqual([
      ['MatMul', 'w', 'KN', 2, 3, 1, undefined],
      ['MatMul', 'wt', 'NK', 2, 3, 1, undefined],
      ['Gemm', 'wt', 'NK', 2, 3, 2, 'bias'],
    ]);
    expect(targets[1]!.transpose?.opType).toBe('Transpose');
  });

  it('lists what it leaves alone, and why', () => {
    const { skipped } = findWeightTargets(model());
    expect(skipped.map((s) => [s.opType, s.reason])).toEqual([
      ['MatMul', 'weight is not a constant'],
      ['Gemm', 'Gemm with transA = 1'],
      ['MatMul', 'weight has rank 3, not 2'],
    ]);
  });

  it('weightMatrix is the weight as [N, K] times alpha, whatever the layout', () => {
    const graph = model();
    const [plain, transposed, gemm] = findWeightTargets(graph).targets;
    const nk = [1, 4, 2, 5, 3, 6];
    expect(Array.from(weightMatrix(graph, plain!))).toEqual(nk);
    expect(Array.from(weightMatrix(graph, transposed!))).toEqual(nk);
    expect(Array.from(weightMatrix(graph, gemm!))).toEqual(nk.map((v) => 2 * v));
  });

  it('dropIfUnused removes an unread Transpose and the Constant behind it', () => {
    const graph = model();
    const [, transposed] = findWeightTargets(graph).targets;
    graph.removeNode(transposed!.node);
    graph.proto.output.splice(0, 1);
    dropIfUnused(graph, transposed!.node.input[1]!);
    expect(graph.nodes.some((n) => n.opType === 'Transpose')).toBe(false);
    expect(graph.constant('wt')).toBeDefined(); // the Gemm still reads it
    verifyGraph(graph);
  });
});

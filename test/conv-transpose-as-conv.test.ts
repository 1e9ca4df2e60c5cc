// convTransposeAsConv: which ConvTransposes it replaces, that onnxruntime computes the same
// floats before and after (a lone 2x2, a 2x2 then 3x3 chain joined into one 6x6-block shuffle
// with the activations between them), and the QDQ movement pass that puts the shuffle on uint8.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './helpers/graph-builder.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph, type Graph } from '../src/onnx/graph.js';
import { writeModel } from '../src/onnx/model.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { convTransposeAsConv } from '../src/passes/conv-transpose-as-conv.js';
import { moveOnIntegers } from '../src/passes/integer-movement.js';

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed) * 0.5);

/** x [1, 5, 4, 3] -> ConvTranspose per `layers` (C->M, kernel, stride, then an op) -> y. */
function chain(
  layers: readonly (readonly [number, number, number, number, string])[],
): GraphBuilder {
  const b = new GraphBuilder();
  let x = b.input('x', 'float32', [1, 5, 4, 3]);
  layers.forEach(([c, m, k, s, after], i) => {
    const w = b.initializer(`w${i}`, 'float32', [c, m, k, k], values(c * m * k * k, i));
    const bias = b.initializer(`b${i}`, 'float32', [m], values(m, 10 + i));
    const attributes = [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [s, s])];
    x = b.op('ConvTranspose', [x, w, bias], attributes);
    if (after !== '') x = b.op(after, [x]);
  });
  b.node({ opType: 'Identity', inputs: [x], outputs: ['y'] });
  b.output('y', 'float32');
  return b;
}

async function outputOf(bytes: Uint8Array): Promise<Float32Array> {
  const session = await createSession(bytes);
  const x = { type: 'float32' as const, dims: [1, 5, 4, 3], data: values(60, 3) };
  const y = (await session.run({ x }))['y']!;
  await session.release();
  return y.data as Float32Array;
}

async function rewrite(b: GraphBuilder): Promise<{
  graph: Graph;
  before: Float32Array;
  after: Float32Array;
  report: ReturnType<typeof convTransposeAsConv>;
}> {
  const model = b.model({ opset: 13 });
  const before = await outputOf(writeModel(model));
  const graph = buildGraph(model);
  const report = convTransposeAsConv(graph);
  verifyGraph(graph);
  return { graph, before, after: await outputOf(writeModel(model)), report };
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(1e-5);
}

describe('convTransposeAsConv', () => {
  it('a 2x2 stride-2 ConvTranspose is a 1x1 Conv and DepthToSpace, the Relu between them', async () => {
    const { graph, before, after, report } = await rewrite(chain([[5, 6, 2, 2, 'Relu']]));
    expectClose(after, before);
    expect(report).toEqual([{ node: 'ConvTranspose_0', stride: 2, movedBelow: ['Relu_1'] }]);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'DepthToSpace', 'Identity']);
    expect(graph.nodes[0]!.name).toBe('ConvTranspose_0');
    expect(graph.constantValue(graph.nodes[0]!.input[1]!)?.shape).toEqual([24, 5, 1, 1]);
  });

  it('joins a chain into one shuffle of the product of the blocks', async () => {
    const layers = [
      [5, 4, 2, 2, 'Relu'],
      [4, 2, 3, 3, 'Sigmoid'],
    ] as const;
    const { graph, before, after, report } = await rewrite(chain([...layers]));
    expectClose(after, before);
    expect(report[1]).toMatchObject({ node: 'ConvTranspose_2', stride: 3 });
    expect(report[1]?.joined).toMatch(/^DepthToSpace|_depth_to_space$/);
    expect(graph.nodes.map((n) => n.opType)).toEqual([
      'Conv',
      'Relu',
      'Conv',
      'Sigmoid',
      'DepthToSpace',
      'Identity',
    ]);
    const shuffle = graph.nodes[4]!;
    expect(shuffle.attribute.find((a) => a.name === 'blocksize')?.i).toBe(6n);
    // Two outputs times 6 x 6 positions, read from 4 channels times 2 x 2 positions.
    expect(graph.constantValue(graph.nodes[2]!.input[1]!)?.shape).toEqual([72, 16, 1, 1]);
  });

  it('leaves overlapping, padded and grouped ConvTransposes alone', async () => {
    for (const [k, s] of [
      [3, 2],
      [2, 1],
    ] as const) {
      const { graph, report } = await rewrite(chain([[5, 4, k, s, '']]));
      expect(report).toEqual([]);
      expect(graph.nodes[0]!.opType).toBe('ConvTranspose');
    }
    const b = chain([[5, 4, 2, 2, '']]);
    const model = b.model({ opset: 13 });
    model.graph!.node[0]!.attribute.push(attr.ints('pads', [1, 1, 1, 1]));
    expect(convTransposeAsConv(buildGraph(model))).toEqual([]);
  });
});

describe('moveOnIntegers', () => {
  /** uint8 x -> DQ -> DepthToSpace -> Q, of the given zero point types and parameters. */
  function qdq(type: 'uint8' | 'uint16', qScale: number) {
    const b = new GraphBuilder();
    const x = b.input('x', type, [1, 8, 2, 2]);
    const s = b.initializer('s', 'float32', [], [0.1]);
    const qs = b.initializer('qs', 'float32', [], [qScale]);
    const zp = b.initializer('zp', type, [], [3]);
    const d2s = [attr.int('blocksize', 2), attr.string('mode', 'CRD')];
    const moved = b.op('DepthToSpace', [b.op('DequantizeLinear', [x, s, zp])], d2s);
    b.node({ opType: 'QuantizeLinear', inputs: [moved, qs, zp], outputs: ['y'] });
    b.output('y', type);
    return buildGraph(b.model({ opset: 21 }));
  }

  it('runs a DepthToSpace between equal 8-bit Q/DQ on the integers, and only then', () => {
    const graph = qdq('uint8', 0.1);
    expect(moveOnIntegers(graph)).toEqual(['DepthToSpace_1']);
    verifyGraph(graph);
    expect(graph.nodes.map((n) => [n.opType, ...n.input, ...n.output])).toEqual([
      ['DepthToSpace', 'x', 'y'],
    ]);
    expect(moveOnIntegers(qdq('uint8', 0.2))).toEqual([]);
    expect(moveOnIntegers(qdq('uint16', 0.1))).toEqual([]);
  });
});

// Which Resizes upsampleOnIntegers takes, and the graph it leaves; that the rewritten graphs
// compute the same integers in onnxruntime is test/integer-rewrites.test.ts.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { nearestFactors, upsampleOnIntegers } from './integer-upsample.js';

/** DQ -> Resize(scales, attrs) -> Q, both of scale 0.1 and zero point 3. */
function graphOf(scales: number[], attrs: Record<string, string> = {}) {
  const b = new GraphBuilder();
  const x = b.input('x', 'uint8', [1, 4, 'h', 'w']);
  const s = b.initializer('s', 'float32', [], [0.1]);
  const zp = b.initializer('zp', 'uint8', [], [3]);
  const sc = b.initializer('scales', 'float32', [scales.length], scales);
  const roi = b.initializer('roi', 'float32', [0], []);
  const attributes = Object.entries(attrs).map(([k, v]) => attr.string(k, v));
  const up = b.op('Resize', [b.op('DequantizeLinear', [x, s, zp]), roi, sc], attributes);
  b.output(b.op('QuantizeLinear', [up, s, zp]), 'uint8');
  return buildGraph(b.model({ opset: 13 }));
}

const resizeOf = (g: ReturnType<typeof graphOf>) => g.nodes.find((n) => n.opType === 'Resize')!;
const floor = { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };

describe('nearestFactors', () => {
  it('reads whole factors under the modes that read input floor(i / s)', () => {
    const g = (scales: number[], attrs: Record<string, string> = {}) => {
      const graph = graphOf(scales, attrs);
      return nearestFactors(graph, resizeOf(graph));
    };
    expect(g([1, 1, 8, 4], floor)).toEqual([8, 4]);
    expect(g([1, 1, 3, 1])).toEqual([3, 1]); // half_pixel, round_prefer_floor: the defaults
    expect(g([1, 1, 2, 2], { nearest_mode: 'round_prefer_ceil' })).toEqual([2, 2]);
    expect(g([1, 1, 2, 2], { nearest_mode: 'floor' })).toBeUndefined(); // half_pixel + floor
    expect(g([1, 1, 2, 2], { coordinate_transformation_mode: 'asymmetric' })).toBeUndefined();
    expect(g([1, 1, 2, 2], { mode: 'linear' })).toBeUndefined();
    expect(g([1, 1, 2.5, 2], floor)).toBeUndefined();
    expect(g([1, 2, 2, 2], floor)).toBeUndefined();
    expect(g([1, 1, 1, 1], floor)).toBeUndefined();
    expect(g([1, 1, 2], floor)).toBeUndefined();
  });
});

describe('upsampleOnIntegers', () => {
  it('keeps the QuantizeLinear output name and drops the Q/DQ pair and the scales', () => {
    const graph = graphOf([1, 1, 4, 2], floor);
    const out = graph.outputs[0]!.name;
    expect(upsampleOnIntegers(graph)).toEqual([
      { node: 'Resize_1', factors: [4, 2], form: 'concat' },
    ]);
    verifyGraph(graph);
    expect(graph.nodes.map((n) => n.opType).sort()).toEqual(
      ['Unsqueeze', 'Concat', 'Reshape', 'Concat', 'Shape', 'Mul', 'Reshape'].sort(),
    );
    expect(graph.producer(out)?.opType).toBe('Reshape');
    expect(graph.initializer('scales')).toBeUndefined();
    expect(graph.initializer('s')).toBeUndefined();
  });

  it('keeps a 2x2 upsample a Resize, behind a Reshape to its own shape', () => {
    const graph = graphOf([1, 1, 2, 2], floor);
    expect(upsampleOnIntegers(graph)).toEqual([
      { node: 'Resize_1', factors: [2, 2], form: 'resize' },
    ]);
    verifyGraph(graph);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Resize']);
    expect(graph.constantValue(graph.nodes[0]!.input[1]!)?.data).toEqual(
      new BigInt64Array([0n, 0n, 0n, 0n]),
    );
  });
});

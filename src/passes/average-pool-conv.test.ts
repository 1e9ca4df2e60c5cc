import { describe, expect, it } from 'vitest';
import { qdqPool } from '../../test/helpers/qdq-pool.js';
import { attr, attrInt, attrInts } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { readModel } from '../onnx/model.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { averagePoolsAsConvs } from './average-pool-conv.js';

const window3x2 = [attr.ints('kernel_shape', [3, 2]), attr.ints('strides', [3, 2])];
const graphOf = (bytes: Uint8Array) => buildGraph(readModel(bytes));

describe('averagePoolsAsConvs', () => {
  it("turns the recognizer's 3x2 pool over 480 channels into a depthwise Conv of int8 ones at 1/6", () => {
    const graph = graphOf(
      qdqPool({ shape: [1, 480, 3, 80], outShape: [1, 480, 1, 40], attributes: window3x2 }),
    );
    expect(averagePoolsAsConvs(graph)).toEqual([{ node: 'AveragePool_1', channels: 480 }]);
    verifyGraph(graph);
    const conv = graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(graph.nodes.some((n) => n.opType === 'AveragePool')).toBe(false);
    expect(conv.name).toBe('AveragePool_1');
    expect(conv.output[0]).toBe('averagepool_1'); // its QuantizeLinear reads the same tensor
    expect(attrInt(conv, 'group', 1)).toBe(480);
    expect(attrInts(conv, 'kernel_shape')).toEqual([3, 2]);
    expect(attrInts(conv, 'strides')).toEqual([3, 2]);
    expect(attrInts(conv, 'pads')).toEqual([0, 0, 0, 0]);
    const dq = graph.producer(conv.input[1]!)!;
    const w = graph.constantValue(dq.input[0]!)!;
    expect(w.dtype).toBe('int8');
    expect(w.shape).toEqual([480, 1, 3, 2]);
    expect(Array.from(w.data as Int8Array).every((v) => v === 1)).toBe(true);
    expect(graph.constantValue(dq.input[1]!)!.data[0]).toBe(Math.fround(1 / 6));
  });

  it('keeps a padded pool whose border windows count the padding (count_include_pad = 1)', () => {
    const attributes = [
      attr.ints('kernel_shape', [3, 3]),
      attr.ints('pads', [1, 1, 1, 1]),
      attr.int('count_include_pad', 1),
    ];
    const graph = graphOf(
      qdqPool({ shape: [1, 32, 12, 40], outShape: [1, 32, 12, 40], attributes }),
    );
    expect(averagePoolsAsConvs(graph)).toEqual([{ node: 'AveragePool_1', channels: 32 }]);
    expect(
      attrInts(
        graph.nodes.find((n) => n.opType === 'Conv')!,
        'pads',
      ),
    ).toEqual([1, 1, 1, 1]);
  });

  it('leaves alone, saying why, pools a Conv of the same window would not compute', () => {
    const refusal = (spec: Parameters<typeof qdqPool>[0]) => {
      const graph = graphOf(qdqPool(spec));
      const before = graph.nodes.map((n) => n.opType);
      const [report] = averagePoolsAsConvs(graph);
      expect(graph.nodes.map((n) => n.opType)).toEqual(before);
      return report?.refused;
    };
    const shape = [1, 8, 6, 6];
    const out = [1, 8, 3, 3];
    const k2 = attr.ints('kernel_shape', [2, 2]);
    const s2 = attr.ints('strides', [2, 2]);
    expect(refusal({ shape, outShape: out, attributes: [k2, s2, attr.int('ceil_mode', 1)] })).toBe(
      'ceil_mode rounds its output size up',
    );
    const pads = attr.ints('pads', [1, 1, 1, 1]);
    expect(refusal({ shape, outShape: [1, 8, 7, 7], attributes: [k2, pads] })).toBe(
      'its padded border windows average fewer taps',
    );
    expect(refusal({ shape, outShape: out, attributes: [k2, s2], floatReader: true })).toBe(
      'its output is read in float',
    );
    expect(refusal({ shape: [1, 'C', 6, 6], outShape: out, attributes: [k2, s2] })).toBe(
      'its channel count is unknown',
    );
  });
});

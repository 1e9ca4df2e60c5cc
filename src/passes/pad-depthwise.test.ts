import { describe, expect, it } from 'vitest';
import { depthwiseBlock } from '../../test/helpers/depthwise-block.js';
import { attrInt } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { padDepthwiseChannels } from './pad-depthwise.js';

const shapeOf = (graph: ReturnType<typeof buildGraph>, node: string, input: number) => {
  const conv = graph.nodes.find((n) => n.name === node)!;
  return graph.constantValue(conv.input[input]!)!.shape;
};

describe('padDepthwiseChannels', () => {
  it('grows a depthwise conv of 24 channels to 32 through hard-swish and squeeze-excite, no Slice', () => {
    const graph = buildGraph(depthwiseBlock());
    const report = padDepthwiseChannels(graph);
    verifyGraph(graph);
    expect(report).toEqual([{ node: 'Conv_5', channels: 24, padded: 32, slices: 0 }]);
    expect(shapeOf(graph, 'Conv_0', 1)).toEqual([32, 4, 1, 1]); // producer: rows
    expect(shapeOf(graph, 'Conv_0', 2)).toEqual([32]);
    expect(shapeOf(graph, 'Conv_5', 1)).toEqual([32, 1, 3, 3]);
    expect(
      attrInt(
        graph.nodes.find((n) => n.name === 'Conv_5')!,
        'group',
        0,
      ),
    ).toBe(32);
    expect(shapeOf(graph, 'Conv_11', 1)).toEqual([6, 32, 1, 1]); // squeeze: columns
    expect(shapeOf(graph, 'Conv_13', 1)).toEqual([32, 6, 1, 1]); // excite: rows
    expect(shapeOf(graph, 'Conv_17', 1)).toEqual([8, 32, 1, 1]); // consumer: columns
    expect(graph.nodes.some((n) => n.opType === 'Slice')).toBe(false);
    // New weights are zero; the old ones keep their values.
    const w = graph.constantValue(graph.nodes.find((n) => n.name === 'Conv_17')!.input[1]!)!;
    const data = w.data as Float32Array;
    expect(Array.from(data.subarray(24, 32))).toEqual(new Array(8).fill(0));
    expect(data[0]).not.toBe(0);
    for (const old of ['w_pw', 'w_dw', 'w_out', 'g'])
      expect(graph.initializer(old)).toBeUndefined();
  });

  it('slices the padded tensor back for a read by an op that mixes positions (Transpose)', () => {
    const graph = buildGraph(depthwiseBlock('transpose'));
    const [pad] = padDepthwiseChannels(graph);
    verifyGraph(graph);
    expect(pad).toMatchObject({ padded: 32, slices: 1 });
    const slice = graph.nodes.find((n) => n.opType === 'Slice')!;
    expect(graph.consumers(slice.output[0]!).map((n) => n.opType)).toEqual(['Transpose']);
    const unsliced = buildGraph(depthwiseBlock('transpose'));
    expect(padDepthwiseChannels(unsliced, { slice: false })).toEqual([
      { node: 'Conv_5', channels: 24, refused: "'Transpose_18' would need a Slice" },
    ]);
    expect(padDepthwiseChannels(unsliced, { only: (n) => n.name !== 'Conv_5' })).toEqual([]);
  });

  it('leaves a depthwise conv alone when a tensor it writes is a graph output, saying why', () => {
    const graph = buildGraph(depthwiseBlock('input'));
    const before = graph.nodes.map((n) => [...n.input]);
    const report = padDepthwiseChannels(graph);
    expect(report).toEqual([
      { node: 'Conv_1', channels: 4, refused: "'conv_1' is a graph input or output" },
    ]);
    expect(graph.nodes.map((n) => [...n.input])).toEqual(before);
  });

  it('leaves multiples of 16 alone and pads to another multiple when asked', () => {
    expect(padDepthwiseChannels(buildGraph(depthwiseBlock()), { multiple: 8 })).toEqual([]);
    const graph = buildGraph(depthwiseBlock());
    expect(padDepthwiseChannels(graph, { multiple: 32 })[0]).toMatchObject({ padded: 32 });
  });
});

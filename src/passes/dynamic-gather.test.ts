import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { dynamicGather } from './dynamic-gather.js';

describe('dynamicGather', () => {
  it('an embedding table becomes int8 rows with one scale per row, gathered alongside', () => {
    const b = new GraphBuilder();
    const ids = b.input('ids', 'int64', [1, 3]);
    b.initializer('table', 'float32', [4, 2], [1, -1, 2, 0.5, -4, 4, 0, 0]);
    b.output(b.op('Gather', ['table', ids]));
    b.output(b.op('Gather', ['table', ids], [attr.int('axis', 1)]));
    const graph = buildGraph(b.model());
    const { done, skipped } = dynamicGather(graph);
    verifyGraph(graph);
    expect(done.map((d) => d.weight)).toEqual(['table']);
    expect(skipped.map((s) => s.reason)).toEqual(['axis 1, not 0']);
    const gathered = graph.nodes
      .filter((n) => n.opType === 'Gather' && n.input[0] !== 'table')
      .map((n) => graph.constantValue(n.input[0]!)!);
    const codes = gathered.find((t) => t.dtype === 'int8');
    const scale = gathered.find((t) => t.dtype === 'float32');
    expect([codes!.dtype, codes!.shape]).toEqual(['int8', [4, 2]]);
    expect(Array.from(codes!.data as Int8Array)).toEqual([127, -127, 127, 32, -127, 127, 0, 0]);
    expect(scale!.shape).toEqual([4, 1]);
    expect(scale!.data[3]).toBe(1); // an all-zero row keeps a finite scale
  });
});

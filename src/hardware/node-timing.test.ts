// Per-node timing through onnxruntime's profiler, end to end on models built in code: nodes only
// the second model has, which dominate its time, count with their producer, which leads the
// comparison; every node is named.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { readModel, writeModel } from '../onnx/model.js';
import { compareNodeTimes } from './node-compare.js';
import { nameNodes, timeModelNodes } from './node-timing.js';

function model(heavy: boolean): Uint8Array {
  const m = new ModelBuilder();
  let x = m.input('x', 'float32', [64, 64]);
  x = m.op('Relu', [x]);
  if (heavy) {
    const w = m.initializer('w', 'float32', [64, 64], new Float32Array(4096).fill(0.01));
    for (let i = 0; i < 4; i++) x = m.op('MatMul', [x, w]);
  }
  x = m.op('Neg', [x]);
  m.output(x, 'float32', [64, 64]);
  return m.bytes();
}

describe('timeModelNodes', () => {
  it('the nodes only the second model has explain most of its extra time', async () => {
    const feeds = [
      { x: { type: 'float32' as const, dims: [64, 64], data: new Float32Array(4096) } },
    ];
    const [a, b] = await timeModelNodes([model(false), model(true)], feeds, { runs: 15 });
    const c = compareNodeTimes(a!, b!);
    expect(b!.nodes.filter((n) => n.op === 'MatMul')).toHaveLength(4);
    expect(c.rows[0]!.node).toBe('Relu_0');
    // Four 64x64x64 MatMuls against a Relu: the profiled kernels, not the (noisy) whole-run
    // clocks, decide this, so it holds on a loaded machine.
    expect(c.rows[0]!.deltaMs).toBeGreaterThan(0);
    expect(c.rows[0]!.deltaMs).toBeGreaterThan(3 * Math.abs(c.rows[1]?.deltaMs ?? 0));
    expect(a!.overheadUs).toBeGreaterThanOrEqual(0);
    expect(b!.wallSeconds).toHaveLength(15);
  });

  it('names every unnamed node after its op and first output, keeping named ones', () => {
    const m = readModel(model(false));
    m.graph!.node[0]!.name = '';
    const { graph, bytes } = nameNodes(writeModel(m));
    expect(graph.map((n) => n.name)).toEqual(['Relu:relu_0', 'Neg_1']);
    expect(readModel(bytes).graph!.node.map((n) => n.name)).toEqual(['Relu:relu_0', 'Neg_1']);
  });
});

// Excluded nodes run float in onnxruntime too (passes/float-guard.ts): an excluded AveragePool
// between quantized convs gets its guard and no other, and a nearest Resize under 16-bit
// activations, which onnxruntime would turn into a uint16 Resize it has no kernel for, is kept
// float by the static recipe's retry and the model runs.
import { describe, expect, it } from 'vitest';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel } from '../src/onnx/model.js';
import { gaussian } from '../src/observers/test-data.js';
import { runStaticRecipe, type Feeds } from '../src/ptq/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { GraphBuilder } from './helpers/graph-builder.js';

/** x [1, 4, 6, 6] -> Conv 3x3 -> `middle` -> Conv 1x1 -> Sigmoid -> y (float, as outputs stay). */
function convAround(middle: (b: GraphBuilder, x: string) => string): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 4, 6, 6]);
  const w0 = b.initializer('w0', 'float32', [4, 4, 3, 3], gaussian(144, 1, 0.3));
  const w1 = b.initializer('w1', 'float32', [4, 4, 1, 1], gaussian(16, 2, 0.3));
  const first = b.op('Conv', [x, w0], [attr.ints('pads', [1, 1, 1, 1])]);
  const last = b.op('Conv', [middle(b, first), w1]);
  b.node({ opType: 'Sigmoid', inputs: [last], outputs: ['y'] });
  b.output('y', 'float32');
  return b.bytes({ opset: 13 });
}

const batches: Feeds[] = [3, 4, 5].map((seed) => ({
  x: { type: 'float32', dims: [1, 4, 6, 6], data: gaussian(144, seed) },
}));

const pool = (b: GraphBuilder, x: string) =>
  b.op('AveragePool', [x], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);

const upsample = (b: GraphBuilder, x: string) => {
  const roi = b.initializer('roi', 'float32', [0], []);
  const scales = b.initializer('scales', 'float32', [4], [1, 1, 2, 2]);
  const modes = [
    attr.string('coordinate_transformation_mode', 'asymmetric'),
    attr.string('nearest_mode', 'floor'),
  ];
  return b.op('Resize', [x, roi, scales], modes);
};

function opsReading(bytes: Uint8Array, op: string): string[] {
  const graph = buildGraph(readModel(bytes));
  const node = graph.nodes.find((n) => n.opType === op)!;
  return graph.consumers(node.output[0]!).map((n) => n.opType);
}

describe('float guard', () => {
  it('gives an excluded AveragePool between quantized convs a second reader, and only then', async () => {
    const model = convAround(pool);
    const excluded = await runStaticRecipe(model, batches, { exclude: ['AveragePool'] });
    expect(opsReading(excluded.bytes, 'AveragePool').sort()).toEqual(['QuantizeLinear', 'Shape']);
    const plain = await runStaticRecipe(model, batches, {});
    expect(opsReading(plain.bytes, 'AveragePool')).toEqual(['QuantizeLinear']);
  });

  it('keeps a 16-bit nearest Resize float, so that onnxruntime loads and runs the model', async () => {
    const result = await runStaticRecipe(convAround(upsample), batches, { activations: 'int16' });
    expect(result.keptFloat.map((k) => k.node)).toEqual(['Resize']);
    expect(result.keptFloat[0]!.reason).toMatch(/Could not find an implementation for Resize/);
    const resize = result.plan.nodes.find((d) => d.opType === 'Resize')!;
    expect(resize.status).toBe('float');
    expect(resize.reason).toMatch(/onnxruntime could not run its quantized form/);
    const session = await createSession(result.bytes);
    const y = (await session.run(batches[0]!))['y']!;
    await session.release();
    expect(y.dims).toEqual([1, 4, 12, 12]);
  });
});

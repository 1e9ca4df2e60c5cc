// The two adapters behind one interface: the same tiny model (built in code) run through
// onnxruntime-node and onnxruntime-web (its wasm backend, which runs in Node) gives the same
// outputs within float rounding; the default runtime under Node is the node one; what only the
// node runtime can do fails coded on the web one.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { nodeRuntime } from './node-runtime.js';
import { createSession, defaultRuntime, runtimeVersion } from './onnxruntime.js';
import { TensorStore, memorySink, readModel, writeModel } from '../onnx/index.js';
import type { RuntimeAdapter, SessionOptions } from './types.js';
import { webRuntime } from './web-runtime.js';

/** x f32 [2, 8] -> Sigmoid(x W + b) f32 [2, 4], and QuantizeLinear of it to uint8. */
function model(): Uint8Array {
  const b = new GraphBuilder();
  const w = b.initializer(
    'w',
    'float32',
    [8, 4],
    Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 0.7),
  );
  const bias = b.initializer('b', 'float32', [4], Float32Array.of(0.1, -0.2, 0.3, -0.4));
  const y = b.op('Sigmoid', [
    b.op('Add', [b.op('MatMul', [b.input('x', 'float32', [2, 8]), w]), bias]),
  ]);
  const scale = b.initializer('s', 'float32', [], Float32Array.of(1 / 255));
  b.output(y);
  const zeroPoint = b.initializer('z', 'uint8', [], Uint8Array.of(0));
  b.output(b.op('QuantizeLinear', [y, scale, zeroPoint]), 'uint8');
  return b.bytes();
}

/** model() with its tensors of 64 bytes or more in the external file 'm.data'. */
function externalModel(): { bytes: Uint8Array; options: SessionOptions } {
  const parsed = readModel(model());
  const sink = memorySink('m.data');
  new TensorStore({ sink, threshold: 64 }).finish(parsed);
  return {
    bytes: writeModel(parsed),
    options: { externalData: [{ path: 'm.data', data: sink.bytes() }] },
  };
}

async function outputs(
  runtime: RuntimeAdapter,
  { bytes, options }: { bytes: Uint8Array; options: SessionOptions } = {
    bytes: model(),
    options: {},
  },
): Promise<Record<string, number[]>> {
  const session = await createSession(bytes, options, runtime);
  const x = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i * 1.3) * 2);
  try {
    const out = await session.run({ x: { type: 'float32', dims: [2, 8], data: x } });
    return Object.fromEntries(
      Object.entries(out).map(([name, t]) => [name, Array.from(t.data as ArrayLike<number>)]),
    );
  } finally {
    await session.release();
  }
}

describe('the runtime adapters', () => {
  it('node and web run the same model to the same outputs (float within 1e-6, uint8 within 1)', async () => {
    const [node, web] = [await outputs(nodeRuntime), await outputs(webRuntime)];
    const names = Object.keys(node);
    expect(Object.keys(web)).toEqual(names);
    const [float, quantized] = names;
    expect(node[float!]!.length).toBe(8);
    for (const [i, v] of node[float!]!.entries()) expect(web[float!]![i]).toBeCloseTo(v, 6);
    for (const [i, v] of node[quantized!]!.entries()) {
      expect(Math.abs(web[quantized!]![i]! - v)).toBeLessThanOrEqual(1);
    }
  });

  it('both run a model from bytes with its external data passed in the options', async () => {
    const external = externalModel();
    expect(external.bytes.length).toBeLessThan(model().length);
    expect(await outputs(nodeRuntime, external)).toEqual(await outputs(nodeRuntime));
    expect(await outputs(webRuntime, external)).toEqual(await outputs(webRuntime));
  });

  it('the default runtime under Node is onnxruntime-node; each reports its version', () => {
    expect(defaultRuntime.name).toBe('onnxruntime-node');
    expect(runtimeVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(runtimeVersion(webRuntime)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the web runtime refuses profiling and bad models with coded errors', async () => {
    await expect(webRuntime.createSession(model(), { profile: true })).rejects.toMatchObject({
      code: 'bad-argument',
    });
    await expect(webRuntime.createSession(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({
      code: 'bad-model',
    });
  });
});

// TensorStore and external locations: reads through the resolver, the location and file checks,
// large initializers spilled to the sink at once, and finish() copying or inlining what is left.
import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import {
  TensorProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType as T,
  type TensorProto,
} from './gen/onnx_pb.js';
import { ModelBuilder } from './build.js';
import { buildGraph } from './graph.js';
import { readModel, writeModel } from './model.js';
import { tensorToProto } from './tensor.js';
import { TensorStore, externalByteCount, memorySink, resolverFromFiles } from './tensor-store.js';

const floats = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => from + i);
const valuesOf = (t: { data: ArrayLike<number | bigint> } | undefined) =>
  Array.from(t?.data ?? [], Number);
const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function external(name: string, location: string, offset: number, count: number): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dataType: T.FLOAT,
    dims: [BigInt(count)],
    dataLocation: TensorProto_DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(4 * count) },
    ],
  });
}

/** A one-Add model whose 300-float initializer 'w' sits at offset 8 of 'w.bin'. */
function externalModel(location = 'w.bin') {
  const b = new ModelBuilder();
  b.output(b.op('Add', [b.input('x', 'float32', [300]), 'w']), 'float32', [300]);
  const model = b.model();
  model.graph!.initializer.push(external('w', location, 8, 300));
  const file = new Uint8Array(8 + 1200);
  file.set(bytesOf(floats(300, 1)), 8);
  return { model: readModel(writeModel(model)), file };
}

describe('external data', () => {
  it('a graph reads external tensors through the store', () => {
    const { model, file } = externalModel();
    const store = new TensorStore({ resolve: resolverFromFiles({ 'w.bin': file }) });
    expect(valuesOf(buildGraph(model, store).constantValue('w'))).toEqual(
      Array.from(floats(300, 1)),
    );
    expect(externalByteCount(model)).toBe(1200);
  });

  it.each([
    ['/etc/w.bin', 'bad-model'],
    ['C:\\w.bin', 'bad-model'],
    ['../w.bin', 'bad-model'],
    ['a/../../w.bin', 'bad-model'],
    ['missing.bin', 'bad-file'],
  ])('location %s is refused with %s, naming the tensor and the file', (location, code) => {
    const { model, file } = externalModel(location);
    const store = new TensorStore({ resolve: resolverFromFiles({ 'w.bin': file }) });
    expect(() => buildGraph(model, store).constantValue('w')).toThrow(
      expect.objectContaining({ code, context: { tensor: 'w', file: location } }),
    );
  });

  it('a truncated data file is a bad-file error naming both', () => {
    const { model, file } = externalModel();
    const store = new TensorStore({ resolve: resolverFromFiles({ 'w.bin': file.slice(0, 600) }) });
    expect(() => buildGraph(model, store).constantValue('w')).toThrow(
      expect.objectContaining({ code: 'bad-file', context: { tensor: 'w', file: 'w.bin' } }),
    );
  });

  it('large initializers go to the sink when added, small ones stay inline, and read back', () => {
    const { model, file } = externalModel();
    const sink = memorySink('out.data');
    const store = new TensorStore({ resolve: resolverFromFiles({ 'w.bin': file }), sink });
    const graph = buildGraph(model, store);
    graph.addInitializer(
      tensorToProto({ name: 'big', dtype: 'float32', shape: [512], data: floats(512) }),
    );
    graph.addInitializer(
      tensorToProto({ name: 'small', dtype: 'float32', shape: [2], data: floats(2) }),
    );
    expect(store.bytesWritten).toBe(2048);
    expect(graph.constant('small')!.rawData.length).toBe(8);
    expect(valuesOf(graph.constantValue('big'))).toEqual(Array.from(floats(512)));
    store.finish(model);
    // 'w' was copied from the input's file behind 'big'.
    expect(store.bytesWritten).toBe(2048 + 1200);
    const written = readModel(writeModel(model));
    const again = new TensorStore({ resolve: resolverFromFiles({ 'out.data': sink.bytes() }) });
    const reread = buildGraph(written, again);
    expect(valuesOf(reread.constantValue('w'))).toEqual(Array.from(floats(300, 1)));
    expect(valuesOf(reread.constantValue('big'))).toEqual(Array.from(floats(512)));
  });

  it('without a sink finish() reads external tensors back inline', () => {
    const { model, file } = externalModel();
    new TensorStore({ resolve: resolverFromFiles({ 'w.bin': file }) }).finish(model);
    const w = model.graph!.initializer[0]!;
    expect([w.dataLocation, w.rawData.length, externalByteCount(model)]).toEqual([
      TensorProto_DataLocation.DEFAULT,
      1200,
      0,
    ]);
  });

  it('without a resolver an external tensor names the way to pass its data', () => {
    const { model } = externalModel();
    expect(() => buildGraph(model).constantValue('w')).toThrow(
      expect.objectContaining({
        code: 'bad-argument',
        message: expect.stringContaining('externalData') as unknown,
      }),
    );
  });
});

import { equals } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { ModelProtoSchema } from './gen/onnx_pb.js';
import { attr } from './graph-node.js';
import { defaultOpset, modelInfo, readModel, setDefaultOpset, writeModel } from './model.js';

function tinyModel(opset = 13) {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['n', 4]);
  const w = b.initializer(
    'w',
    'float32',
    [4, 2],
    Float32Array.from({ length: 8 }, (_, i) => i),
  );
  b.output(b.op('MatMul', [x, w]), 'float32', ['n', 2]);
  return b.model({ opset });
}

/** Appends one field the ONNX schema does not define (number 999, a varint) to a message. */
function withUnknownField(bytes: Uint8Array, value: number): Uint8Array {
  const extra = new BinaryWriter().tag(999, WireType.Varint).uint32(value).finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('readModel and writeModel', () => {
  it('read(write(model)) equals the model, and write(read(bytes)) is a fixed point', () => {
    const model = tinyModel();
    const bytes = writeModel(model);
    expect(equals(ModelProtoSchema, readModel(bytes), model)).toBe(true);
    expect(writeModel(readModel(bytes))).toEqual(bytes);
  });

  it('keeps fields the schema does not know, at the top level and inside a node', () => {
    const model = tinyModel();
    model.graph!.node[0]!.$unknown = [
      { no: 555, wireType: WireType.LengthDelimited, data: Uint8Array.of(3, 1, 2, 3) },
    ];
    const bytes = withUnknownField(writeModel(model), 42);
    const again = readModel(writeModel(readModel(bytes)));
    expect(again.$unknown?.map((f) => f.no)).toEqual([999]);
    expect(again.graph!.node[0]!.$unknown?.[0]?.data).toEqual(Uint8Array.of(3, 1, 2, 3));
    expect(writeModel(again)).toEqual(bytes);
  });

  it('keeps doc strings, metadata and attributes it never reads', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    b.output(b.op('LeakyRelu', [x], [attr.float('alpha', 0.25)]));
    const model = b.model();
    model.docString = 'doc';
    model.metadataProps.push({ $typeName: 'onnx.StringStringEntryProto', key: 'k', value: 'v' });
    const back = readModel(writeModel(model));
    expect(back.docString).toBe('doc');
    expect(back.metadataProps.map((p) => [p.key, p.value])).toEqual([['k', 'v']]);
    expect(back.graph!.node[0]!.attribute[0]!.f).toBe(0.25);
  });

  it('fails on truncated bytes, saying the file is not a valid ONNX model', () => {
    const bytes = writeModel(tinyModel());
    const error = errorOf(() => readModel(bytes.subarray(0, bytes.length - 7), 'm.onnx'));
    expect(isZeropointError(error, 'bad-model')).toBe(true);
    expect((error as Error).message).toMatch(/'m\.onnx' is not a valid ONNX model/);
    expect(isZeropointError(error) && error.context.file).toBe('m.onnx');
  });

  it('fails on bytes that are not protobuf at all', () => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff);
    expect(() => readModel(garbage)).toThrow(/not a valid ONNX model/);
  });

  it('fails on empty bytes (no ir_version) and on a model without a graph', () => {
    expect(() => readModel(new Uint8Array())).toThrow(/no ir_version/);
    const model = tinyModel();
    delete model.graph;
    expect(() => readModel(writeModel(model))).toThrow(/has no graph/);
  });

  it('accepts opsets 7 and 23 and rejects 6 and 24, naming the opset', () => {
    expect(defaultOpset(readModel(writeModel(tinyModel(7))))).toBe(7);
    expect(defaultOpset(readModel(writeModel(tinyModel(23))))).toBe(23);
    for (const opset of [6, 24]) {
      const error = errorOf(() => readModel(writeModel(tinyModel(opset))));
      expect(isZeropointError(error, 'bad-model')).toBe(true);
      expect((error as Error).message).toContain(`opset ${opset}`);
    }
  });

  // Defects the fuzzer (test/fuzz/) found: bytes zeropoint and onnxruntime read differently.
  it('fails when the default domain is imported at two opsets (zeropoint read the first, onnxruntime the last)', () => {
    const model = tinyModel(13);
    model.opsetImport.push({
      $typeName: 'onnx.OperatorSetIdProto',
      domain: 'ai.onnx',
      version: 7n,
    });
    const error = errorOf(() => readModel(writeModel(model)));
    expect(isZeropointError(error, 'bad-model')).toBe(true);
    expect((error as Error).message).toMatch(/default ONNX domain at several opsets \(13, 7\)/);
  });

  it('fails on a field with another wire type than the schema gives it (protobuf-es read it anyway; onnxruntime skips it)', () => {
    // producer_version (field 3, a string) as a varint: protobuf-es reads an empty string.
    const extra = new BinaryWriter().tag(3, WireType.Varint).uint32(0).finish();
    const bytes = writeModel(tinyModel());
    const error = errorOf(() => readModel(Uint8Array.from([...bytes, ...extra])));
    expect(isZeropointError(error, 'bad-model')).toBe(true);
    expect((error as Error).message).toMatch(/ModelProto.producer_version has wire type 0, not 2/);
  });

  it('accepts repeated numbers written one by one as well as packed', () => {
    // graph { initializer { dims: 2, dims: 2 (unpacked), data_type: FLOAT, name: 'v', float_data x4 } }
    const tensor = new BinaryWriter()
      .tag(1, WireType.Varint)
      .uint32(2)
      .tag(1, WireType.Varint)
      .uint32(2);
    tensor.tag(2, WireType.Varint).uint32(1).tag(8, WireType.LengthDelimited).string('v');
    for (const v of [1, 2, 3, 4]) tensor.tag(4, WireType.Bit32).float(v);
    const graph = new BinaryWriter().tag(5, WireType.LengthDelimited).bytes(tensor.finish());
    const extra = new BinaryWriter()
      .tag(7, WireType.LengthDelimited)
      .bytes(graph.finish())
      .finish();
    const model = readModel(Uint8Array.from([...writeModel(tinyModel()), ...extra]));
    const v = model.graph!.initializer.find((t) => t.name === 'v')!;
    expect([v.dims, v.floatData]).toEqual([
      [2n, 2n],
      [1, 2, 3, 4],
    ]);
  });

  it('fails when no opset of the default domain is imported', () => {
    const model = tinyModel();
    model.opsetImport = [{ $typeName: 'onnx.OperatorSetIdProto', domain: 'com.x', version: 1n }];
    expect(() => readModel(writeModel(model))).toThrow(/imports no opset of the default/);
  });
});

describe('modelInfo and setDefaultOpset', () => {
  it('reports IR version, opsets by domain, producer and node count', () => {
    const model = new GraphBuilder().model({
      opset: 11,
      irVersion: 6,
      domains: { 'com.microsoft': 1 },
    });
    const info = modelInfo(model);
    expect(info.irVersion).toBe(6);
    expect(info.opset).toBe(11);
    expect([...info.opsets]).toEqual([
      ['', 11],
      ['com.microsoft', 1],
    ]);
    expect(info.producer).toBe('zeropoint-test');
    expect(info.nodeCount).toBe(0);
  });

  it('treats ai.onnx as the default domain and sets its version in place', () => {
    const model = tinyModel(9);
    model.opsetImport[0]!.domain = 'ai.onnx';
    setDefaultOpset(model, 13);
    expect(model.opsetImport.map((o) => [o.domain, o.version])).toEqual([['ai.onnx', 13n]]);
    expect(defaultOpset(model)).toBe(13);
  });

  it('sets every import of the default domain, so none is left at the old opset', () => {
    const model = tinyModel(11);
    model.opsetImport.push({
      $typeName: 'onnx.OperatorSetIdProto',
      domain: 'ai.onnx',
      version: 11n,
    });
    setDefaultOpset(model, 13);
    expect(model.opsetImport.map((o) => o.version)).toEqual([13n, 13n]);
    expect(() => readModel(writeModel(model))).not.toThrow();
  });
});

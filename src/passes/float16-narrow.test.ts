import { describe, expect, it } from 'vitest';
import { f16round } from '../core/index.js';
import { ModelBuilder } from '../onnx/build.js';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { buildGraph, type Graph } from '../onnx/graph.js';
import { attr, makeNode } from '../onnx/graph-node.js';
import { tensorFromProto } from '../onnx/tensor.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { narrowToFloat16 } from './float16-narrow.js';
import { hasFloat16, widenFloat16 } from './float16-widen.js';

const W = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1) / 3);

/** x [1, 4] -> MatMul(w) -> Add(b) -> y; `b` as given. */
function matmulAdd(b: readonly number[] = [0.1, 0.2, 0.3, 0.4]): Graph {
  const m = new ModelBuilder();
  const x = m.input('x', 'float32', [1, 4]);
  const h = m.op('MatMul', [x, m.initializer('w', 'float32', [4, 4], W)]);
  const y = m.op('Add', [h, m.initializer('b', 'float32', [4], b)]);
  m.output(y, 'float32', [1, 4]);
  return buildGraph(m.model(13));
}

const elemType = (graph: Graph, name: string) => {
  const t = graph.valueInfo(name)?.type?.value;
  return t?.case === 'tensorType' ? t.value.elemType : undefined;
};

describe('narrowToFloat16', () => {
  it('stores weights as float16 (ties to even) and declares float16 inputs and outputs', () => {
    const graph = matmulAdd();
    const report = narrowToFloat16(graph);
    verifyGraph(graph);
    const w = graph.initializer('w')!;
    expect(w.dataType).toBe(T.FLOAT16);
    expect(Array.from(tensorFromProto(w).data as Float32Array)).toEqual(Array.from(W, f16round));
    expect(elemType(graph, 'x')).toBe(T.FLOAT16);
    expect(elemType(graph, graph.outputs[0]!.name)).toBe(T.FLOAT16);
    expect(report).toMatchObject({ tensors: 2, casts: 0, keptNodes: [] });
    expect(report.io.map((v) => v.type)).toEqual(['float16', 'float16']);
  });

  it('float32 I/O: a Cast after the input and one before the output, names kept', () => {
    const graph = matmulAdd();
    const output = graph.outputs[0]!.name;
    const report = narrowToFloat16(graph, { float32Io: 'all' });
    verifyGraph(graph);
    expect(report.casts).toBe(2);
    expect(elemType(graph, 'x')).toBe(T.FLOAT);
    expect(elemType(graph, output)).toBe(T.FLOAT);
    const last = graph.producer(output)!;
    expect(last.opType).toBe('Cast');
    expect(last.attribute[0]!.i).toBe(BigInt(T.FLOAT));
    expect(graph.consumers('x').map((n) => n.opType)).toEqual(['Cast']);
  });

  it('a constant past 65504 keeps its reader float32; clamp saturates it and counts it', () => {
    const kept = matmulAdd([1e5, 0, 0, -7e4]);
    const report = narrowToFloat16(kept);
    verifyGraph(kept);
    expect(report.keptNodes.map((k) => k.opType)).toEqual(['Add']);
    expect(kept.initializer('b')!.dataType).toBe(T.FLOAT);
    expect(report.keptTensors).toBe(1);

    const clamped = matmulAdd([1e5, 0, 0, -7e4]);
    const lost = narrowToFloat16(clamped, { outOfRange: 'clamp' }).lost;
    expect(lost).toEqual([{ tensor: 'b', clamped: 2, flushed: 0, maxAbs: 1e5 }]);
    expect(Array.from(tensorFromProto(clamped.initializer('b')!).data as Float32Array)).toEqual([
      65504, 0, 0, -65504,
    ]);
  });

  it("keeps DynamicQuantizeLinear, the int32 accumulator's Cast and its rescaling Muls float32", () => {
    const m = new ModelBuilder();
    const x = m.input('x', 'float32', [1, 4]);
    const model = m.model(13);
    const g = model.graph!;
    g.node.push(
      makeNode({ opType: 'DynamicQuantizeLinear', inputs: [x], outputs: ['xq', 'xs', 'xz'] }),
    );
    const wq = m.initializer('wq', 'int8', [4, 4], new Int8Array(16).fill(3));
    g.node.push(makeNode({ opType: 'MatMulInteger', inputs: ['xq', wq, 'xz'], outputs: ['acc'] }));
    const ws = m.initializer('ws', 'float32', [4], [0.01, 0.02, 0.03, 0.04]);
    g.node.push(
      makeNode({
        opType: 'Cast',
        inputs: ['acc'],
        outputs: ['accf'],
        attributes: [attr.int('to', T.FLOAT)],
      }),
      makeNode({ opType: 'Mul', inputs: ['xs', ws], outputs: ['scale'] }),
      makeNode({ opType: 'Mul', inputs: ['accf', 'scale'], outputs: ['h'] }),
      makeNode({ opType: 'Relu', inputs: ['h'], outputs: ['y'] }),
    );
    m.output('y', 'float32', [1, 4]);
    const graph = buildGraph(model);
    const report = narrowToFloat16(graph);
    verifyGraph(graph);
    expect(report.keptNodes.map((k) => k.opType)).toEqual([
      'DynamicQuantizeLinear',
      'Cast',
      'Mul',
      'Mul',
    ]);
    expect(graph.initializer('ws')!.dataType).toBe(T.FLOAT);
    // x (float16) is cast up for DynamicQuantizeLinear; h (float32) down for Relu.
    const up = graph.consumers('x')[0]!;
    expect([up.opType, up.attribute[0]!.i]).toEqual(['Cast', BigInt(T.FLOAT)]);
    const down = graph.producer(graph.producer('y')!.input[0]!)!;
    expect([down.opType, down.attribute[0]!.i]).toEqual(['Cast', BigInt(T.FLOAT16)]);
  });

  it("leaves Resize's scales float32: ONNX types them tensor(float) whatever T is", () => {
    const m = new ModelBuilder();
    const x = m.input('x', 'float32', [1, 1, 2, 2]);
    const scales = m.initializer('scales', 'float32', [4], [1, 1, 2, 2]);
    const y = m.op('Resize', [x, '', scales]);
    m.output(y, 'float32', [1, 1, 4, 4]);
    const graph = buildGraph(m.model(13));
    narrowToFloat16(graph);
    verifyGraph(graph);
    expect(graph.initializer('scales')!.dataType).toBe(T.FLOAT);
    expect(elemType(graph, 'x')).toBe(T.FLOAT16);
  });
});

describe('widenFloat16', () => {
  it('restores float32 exactly: the narrowed values, float32 types, no float16 left', () => {
    const graph = matmulAdd();
    narrowToFloat16(graph);
    expect(hasFloat16(graph)).toBe(true);
    const report = widenFloat16(graph);
    verifyGraph(graph);
    expect(report).toMatchObject({ inputs: ['x'], tensors: 2 });
    expect(report.outputs).toEqual([graph.outputs[0]!.name]);
    expect(hasFloat16(graph)).toBe(false);
    const w = tensorFromProto(graph.initializer('w')!);
    expect(w.dtype).toBe('float32');
    expect(Array.from(w.data as Float32Array)).toEqual(Array.from(W, f16round));
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { attrInt } from '../onnx/graph-node.js';
import { buildGraph, type Graph } from '../onnx/graph.js';
import { writeModel } from '../onnx/model.js';
import { verifyGraph } from '../onnx/verify-graph.js';
import { insertQdq } from './insert-qdq.js';
import { planQuantization } from './plan-quantization.js';
import type { PlanOptions } from './plan-types.js';

/** x -> Conv(w, b) -> Relu -> Conv -> Sigmoid -> Mul(sigmoid, conv) -> y. */
function convReluConv(opset = 13, w0 = [0.5, -1, 2, 0.25, -0.5, 1]) {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 2, 4, 4]);
  const c0 = b.op('Conv', [
    x,
    b.initializer('w0', 'float32', [3, 2, 1, 1], w0),
    b.initializer('b0', 'float32', [3], [0.1, 0.2, 100]),
  ]);
  const w2 = b.initializer('w2', 'float32', [2, 3, 1, 1], [1, 2, 3, -4, 5, -6]);
  const c2 = b.op('Conv', [b.op('Relu', [c0]), w2]);
  b.output(b.op('Mul', [b.op('Sigmoid', [c2]), c2]));
  return buildGraph(b.model({ opset }));
}

const RANGES = new Map([
  ['x', { min: -1, max: 1 }],
  ['conv_0', { min: -3, max: 5.1 }],
  ['relu_1', { min: 0, max: 5.1 }],
  ['conv_2', { min: -20, max: 12 }],
  ['sigmoid_3', { min: 0.1, max: 1.5 }],
]);

function quantized(graph: Graph, options: PlanOptions = {}, ranges = RANGES) {
  const report = insertQdq(graph, planQuantization(graph, options), ranges);
  verifyGraph(graph);
  return report;
}

const values = (graph: Graph, name: string) =>
  Array.from(graph.constantValue(name)!.data as ArrayLike<number>);
const reader = (graph: Graph, name: string) => graph.consumers(name)[0]!;

describe('insertQdq', () => {
  it('removes the folded Relu and quantizes the conv output with the Relu range', () => {
    const graph = convReluConv();
    const report = quantized(graph);
    expect(graph.nodes.some((n) => n.opType === 'Relu')).toBe(false);
    const conv0 = report.groups.find((g) => g.id === 'conv_0')!;
    expect(conv0).toMatchObject({ qtype: 'uint8', zeroPoint: 0, min: 0, max: 5.1 });
    expect(conv0.scale).toBe(Math.fround(5.1 / 255));
    expect(report).toMatchObject({
      pairs: 4,
      weights: 2,
      biases: 1,
      constants: 0,
      folded: 1,
      saturatedBias: 0,
    });
    // Sigmoid's calibrated range is clipped to its output range [0, 1].
    const sigmoid = report.groups.find((g) => g.id === 'sigmoid_3')!;
    expect([sigmoid.min, sigmoid.max, sigmoid.scale]).toEqual([0.1, 1, Math.fround(1 / 255)]);
  });

  it('stores weights as int8 per output channel and the bias as int32 at input x weight scale', () => {
    const graph = convReluConv();
    const report = quantized(graph);
    const conv = graph.producer('conv_0')!;
    const wDq = graph.producer(conv.input[1]!)!;
    expect([wDq.opType, attrInt(wDq, 'axis', 1)]).toEqual(['DequantizeLinear', 0]);
    expect(values(graph, wDq.input[2]!)).toEqual([0, 0, 0]);
    expect(graph.constantValue(wDq.input[0]!)).toMatchObject({
      dtype: 'int8',
      shape: [3, 2, 1, 1],
    });
    expect(values(graph, wDq.input[0]!)).toEqual([64, -127, 127, 16, -64, 127]);
    const wScale = values(graph, wDq.input[1]!);
    const bDq = graph.producer(conv.input[2]!)!;
    expect(graph.constantValue(bDq.input[0]!)!.dtype).toBe('int32');
    expect(bDq.input).toHaveLength(2); // zero point 0 is DequantizeLinear's default
    const xScale = report.groups[0]!.scale;
    expect(values(graph, bDq.input[1]!)).toEqual(wScale.map((w) => Math.fround(xScale * w)));
    expect(values(graph, bDq.input[0]!)).toEqual(
      [0.1, 0.2, 100].map((b, c) => Math.round(Math.fround(b / Math.fround(xScale * wScale[c]!)))),
    );
    for (const name of ['w0', 'b0', 'w2']) expect(graph.initializer(name)).toBeUndefined();
  });

  it('makes every reader of a quantized op output read its DequantizeLinear, graph outputs float', () => {
    const graph = convReluConv();
    quantized(graph);
    const mul = graph.producer('mul_4')!;
    expect(mul.input.map((n) => graph.producer(n)?.opType)).toEqual([
      'DequantizeLinear',
      'DequantizeLinear',
    ]);
    expect(graph.outputs.map((o) => o.name)).toEqual(['mul_4']);
    expect(reader(graph, 'conv_2').opType).toBe('QuantizeLinear');
    expect(graph.consumers('conv_2')).toHaveLength(1);
  });

  it('uses zero point 128 for symmetric uint8 and 0 for symmetric int8 activations', () => {
    const sym = quantized(convReluConv(), { activations: 'symmetric' });
    expect(sym.groups.map((g) => g.zeroPoint)).toEqual([128, 128, 128, 128, 128]);
    const int8 = quantized(convReluConv(), { activations: 'symmetric', symmetricType: 'int8' });
    expect(int8.groups.map((g) => [g.qtype, g.zeroPoint])[2]).toEqual(['int8', 0]);
  });

  it('gives byte-identical models for the same graph, plan and ranges', () => {
    const [a, b] = [convReluConv(), convReluConv()];
    quantized(a);
    quantized(b);
    expect(writeModel(a.model)).toEqual(writeModel(b.model));
  });

  it('raises the scale of a near-zero weight channel so its bias fits in int32', () => {
    const graph = convReluConv(13, [0.5, -1, 2, 0.25, 1e-12, -1e-12]);
    const report = quantized(graph);
    expect(report.saturatedBias).toBe(0);
    const conv = graph.producer('conv_0')!;
    const bias = values(graph, graph.producer(conv.input[2]!)!.input[0]!);
    expect(Math.abs(bias[2]!)).toBeLessThanOrEqual(2 ** 30);
  });

  it('serves Div by a constant from the quantized conv output at scale / 6', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 1, 2, 2]);
    const c = b.op('Conv', [x, b.initializer('w', 'float32', [1, 1, 1, 1], [2])]);
    const d = b.op('Div', [c, b.initializer('six', 'float32', [], [6])]);
    b.output(b.op('Tanh', [b.op('Conv', [d, b.initializer('v', 'float32', [1, 1, 1, 1], [1])])]));
    const graph = buildGraph(b.model());
    const ranges = new Map([
      ['x', { min: 0, max: 1 }],
      ['conv_0', { min: 0, max: 2 }],
      ['conv_2', { min: 0, max: 1 }],
    ]);
    const report = quantized(graph, {}, ranges);
    expect(graph.nodes.some((n) => n.opType === 'Div')).toBe(false);
    const dq = graph.producer(graph.producer('conv_2')!.input[0]!)!;
    const convQ = graph.producer(dq.input[0]!)!;
    expect([convQ.opType, convQ.input[0]]).toEqual(['QuantizeLinear', 'conv_0']);
    const scale = report.groups.find((g) => g.id === 'conv_0')!.scale;
    expect(values(graph, dq.input[1]!)).toEqual([Math.fround(scale / 6)]);
    expect(dq.input[2]).toBe(convQ.input[2]);
    expect(graph.consumers('conv_0')).toEqual([convQ]);
  });

  it('reads Add of a scalar at a shifted zero point and puts the rounding residual in the next bias', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 1, 2, 2]);
    const c = b.op('Conv', [x, b.initializer('w', 'float32', [1, 1, 1, 1], [2])]);
    const a = b.op('Add', [c, b.initializer('c', 'float32', [], [0.3])]);
    const v = b.initializer('v', 'float32', [2, 1, 1, 1], [1, -2]);
    const bias = b.initializer('bias', 'float32', [2], [0.5, 0]);
    b.output(b.op('Tanh', [b.op('Conv', [a, v, bias])]));
    const graph = buildGraph(b.model());
    const ranges = new Map([
      ['x', { min: 0, max: 1 }],
      ['conv_0', { min: 0, max: 2.55 }],
      ['conv_2', { min: -2, max: 2 }],
    ]);
    const report = quantized(graph, {}, ranges);
    expect(graph.nodes.some((n) => n.opType === 'Add')).toBe(false);
    const conv = graph.producer('conv_2')!;
    const dq = graph.producer(conv.input[0]!)!;
    const source = report.groups.find((g) => g.id === 'conv_0')!;
    // The range widened to hold -0.3, so the shifted zero point stays inside uint8.
    expect(source.min).toBeCloseTo(-0.3, 6);
    const steps = Math.round(0.3 / source.scale);
    expect(values(graph, dq.input[2]!)).toEqual([source.zeroPoint - steps]);
    const residual = 0.3 - steps * source.scale;
    expect(Math.abs(residual)).toBeGreaterThan(0);
    const biasDq = graph.producer(conv.input[2]!)!;
    const stored = values(graph, biasDq.input[0]!);
    const biasScale = values(graph, biasDq.input[1]!);
    const weightScale = values(graph, graph.producer(conv.input[1]!)!.input[1]!);
    // Each channel's bias adds residual x its weight sum back (1 and -2), to a bias step.
    [0.5 + residual, -2 * residual].forEach((want, ch) => {
      expect(Math.abs(stored[ch]! * biasScale[ch]! - want)).toBeLessThanOrEqual(
        source.scale * weightScale[ch]!,
      );
    });
  });

  it('fails naming the tensor when a range is missing, and below the opset the plan needs', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return isZeropointError(error) ? [error.code, error.context.tensor] : error;
      }
    };
    const graph = convReluConv();
    const partial = new Map([...RANGES].filter(([name]) => name !== 'conv_2'));
    expect(codeOf(() => insertQdq(graph, planQuantization(graph), partial))).toEqual([
      'bad-calibration-data',
      'conv_2',
    ]);
    const old = convReluConv(12);
    expect(codeOf(() => insertQdq(old, planQuantization(old), RANGES))).toEqual([
      'bad-model',
      undefined,
    ]);
  });

  it('names parameters short and stores each uniform zero point once', () => {
    const graph = convReluConv();
    quantized(graph);
    const names = graph.model.graph!.initializer.map((t) => t.name);
    const zeroPoints = names.filter((n) => n.startsWith('zp'));
    // Per value: the activations' (x 127, relu 0, conv_2 159) and the weights' all-zero ones.
    expect(zeroPoints.sort()).toEqual([
      'zp_int8_0x2',
      'zp_int8_0x3',
      'zp_uint8_0',
      'zp_uint8_127',
      'zp_uint8_159',
    ]);
    expect(names.filter((n) => n.startsWith('scale')).every((n) => /^scale\d+$/.test(n))).toBe(
      true,
    );
    const dqReaders = graph.nodes.filter((n) => n.opType === 'DequantizeLinear');
    const zpReads = dqReaders.map((n) => n.input[2]).filter((z) => z !== undefined);
    expect(zpReads.length).toBeGreaterThan(zeroPoints.length);
  });
});

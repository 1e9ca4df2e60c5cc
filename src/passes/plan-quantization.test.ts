import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { attr } from '../onnx/graph-node.js';
import { buildGraph } from '../onnx/graph.js';
import { ACTIVATION_MATMUL_REASON } from './plan-nodes.js';
import { planQuantization } from './plan-quantization.js';
import { summarizePlan } from './plan-summary.js';
import type { PlanOptions } from './plan-types.js';

const weight = (b: GraphBuilder, name: string, out: number, inC: number) =>
  b.initializer(
    name,
    'float32',
    [out, inC, 1, 1],
    Float32Array.from({ length: out * inC }, (_, i) => Math.sin(i + 1)),
  );

/** x -> Conv(w, b) -> Relu -> Conv -> Sigmoid -> Mul(sigmoid, conv) -> y. */
function convReluConv() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 2, 4, 4]);
  const c0 = b.op('Conv', [
    x,
    weight(b, 'w0', 3, 2),
    b.initializer('b0', 'float32', [3], [0.1, 0.2, 0.3]),
  ]);
  const c2 = b.op('Conv', [b.op('Relu', [c0]), weight(b, 'w2', 3, 3)]);
  b.output(b.op('Mul', [b.op('Sigmoid', [c2]), c2]));
  return buildGraph(b.model());
}

function plan(graph: ReturnType<typeof buildGraph>, options: PlanOptions = {}) {
  const p = planQuantization(graph, options);
  const status = Object.fromEntries(p.nodes.map((d) => [d.label, d.status]));
  const reason = Object.fromEntries(p.nodes.map((d) => [d.label, d.reason]));
  return { p, status, reason };
}

describe('planQuantization', () => {
  it('quantizes convs, folds Relu into the conv range and keeps the graph output float', () => {
    const { p, status, reason } = plan(convReluConv());
    expect(status).toEqual({
      Conv_0: 'quantized',
      Relu_1: 'folded',
      Conv_2: 'quantized',
      Sigmoid_3: 'quantized',
      Mul_4: 'float',
    });
    expect(reason.Mul_4).toBe('its output is a graph output, which stays float');
    expect(p.groups.map((g) => [g.id, g.calibrate, g.clamp, g.fixedRange])).toEqual([
      ['x', ['x'], undefined, undefined],
      ['conv_0', ['relu_1'], { min: 0 }, undefined],
      ['conv_2', ['conv_2'], undefined, undefined],
      ['sigmoid_3', ['sigmoid_3'], { min: 0, max: 1 }, undefined],
    ]);
    expect(p.calibrate).toEqual(['x', 'relu_1', 'conv_2', 'sigmoid_3']);
    expect(p.constants).toEqual([
      { node: 'conv_0', input: 1, tensor: 'w0', role: 'weight', axis: 0 },
      { node: 'conv_0', input: 2, tensor: 'b0', role: 'bias', axis: 0 },
      { node: 'conv_2', input: 1, tensor: 'w2', role: 'weight', axis: 0 },
    ]);
    expect([p.opset, p.activation]).toEqual([13, { qtype: 'uint8', scheme: 'asymmetric' }]);
  });

  it('keeps Relu float under symmetric activations, whose zero point cannot clamp at 0', () => {
    const { p, status, reason } = plan(convReluConv(), { activations: 'symmetric' });
    expect(status.Relu_1).toBe('float');
    expect(reason.Relu_1).toBe('symmetric activations cannot clamp at these bounds exactly');
    expect(p.groups.map((g) => g.id)).toEqual(['x', 'conv_0', 'relu_1', 'conv_2', 'sigmoid_3']);
    expect(p.activation).toEqual({ qtype: 'uint8', scheme: 'symmetric' });
    expect(
      plan(convReluConv(), { activations: 'symmetric', symmetricType: 'int8' }).p.activation,
    ).toEqual({ qtype: 'int8', scheme: 'symmetric' });
  });

  it('needs opset 21 for int16 activations and per-tensor weights on request', () => {
    const { p } = plan(convReluConv(), { activations: 'int16', weightGranularity: 'per-tensor' });
    expect([p.opset, p.groups[0]!.qtype]).toEqual([21, 'int16']);
    expect(p.constants.every((c) => c.axis === undefined)).toBe(true);
  });

  it('excludes by node name or op type, and include picks the integer kernels', () => {
    expect(plan(convReluConv(), { exclude: ['Conv_2'] }).status).toMatchObject({
      Conv_0: 'quantized',
      Conv_2: 'float',
      Sigmoid_3: 'quantized',
    });
    const { status, reason } = plan(convReluConv(), { include: ['Conv'] });
    expect(status).toEqual({
      Conv_0: 'quantized',
      Relu_1: 'folded', // folds follow the included kernels
      Conv_2: 'quantized',
      Sigmoid_3: 'float',
      Mul_4: 'float',
    });
    expect(reason.Sigmoid_3).toBe('not in the include option');
    expect(plan(convReluConv(), { exclude: ['Conv', 'Sigmoid'] }).p.groups).toEqual([]);
  });

  it('lets a Resize between quantized ops share its input scale, and leaves a lone one float', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const scales = b.initializer('scales', 'float32', [4], [1, 1, 2, 2]);
    const up = b.op(
      'Resize',
      [b.op('Conv', [x, weight(b, 'w', 2, 2)]), '', scales],
      [attr.string('mode', 'nearest')],
    );
    const t = b.op('Tanh', [b.op('Conv', [up, weight(b, 'v', 2, 2)])]);
    b.output(b.op('Tanh', [b.op('Resize', [t, '', scales])]));
    const { p, status, reason } = plan(buildGraph(b.model()));
    expect(status).toMatchObject({ Resize_1: 'shares-scale', Resize_4: 'float', Tanh_3: 'float' });
    expect(reason.Resize_4).toBe(
      "keeps its input's scale, but neither its input nor its output is quantized",
    );
    expect(reason.Tanh_3).toBe('no integer kernel in onnxruntime CPU');
    expect(p.groups.find((g) => g.id === 'conv_0')?.tensors).toEqual(['conv_0', 'resize_1']);
  });

  it('folds Div and Mul by positive scalars into the scale of a quantized output', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const c = b.op('Conv', [x, weight(b, 'w', 2, 2)]);
    const d = b.op('Div', [c, b.initializer('six', 'float32', [], [6])]);
    const m = b.op('Mul', [b.initializer('half', 'float32', [], [0.5]), d]);
    b.output(b.op('Tanh', [b.op('Conv', [m, weight(b, 'v', 2, 2)])]));
    const { p, status } = plan(buildGraph(b.model()));
    expect(status).toMatchObject({ Div_1: 'folded', Mul_2: 'folded', Conv_3: 'quantized' });
    expect(p.scaled).toEqual([
      { tensor: 'div_1', from: 'conv_0', factor: 1 / 6, offset: 0 },
      { tensor: 'mul_2', from: 'conv_0', factor: 0.5 / 6, offset: 0 },
    ]);
    expect(p.groups.map((g) => g.id)).toEqual(['x', 'conv_0', 'conv_3']);
  });

  it('folds Add/Sub of a scalar into the zero point, unless a clamp reads it or the grid is symmetric', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const c = b.op('Conv', [x, weight(b, 'w', 2, 2)]);
    const m = b.op('Mul', [c, b.initializer('two', 'float32', [], [2])]);
    const a = b.op('Add', [b.initializer('bias', 'float32', [1], [0.25]), m]);
    const s = b.op('Sub', [a, b.initializer('one', 'float32', [], [1])]);
    const shifted = b.op('Add', [s, b.initializer('three', 'float32', [], [3])]);
    const clipped = b.op('Relu', [shifted]);
    b.output(b.op('Tanh', [b.op('Conv', [clipped, weight(b, 'v', 2, 2)])]));
    const { p, status } = plan(buildGraph(b.model()));
    expect(status).toMatchObject({ Mul_1: 'folded', Add_2: 'folded', Sub_3: 'folded' });
    expect(status).toMatchObject({ Add_4: 'quantized', Relu_5: 'folded' });
    expect(p.scaled.map((t) => [t.tensor, t.factor, t.offset])).toEqual([
      ['mul_1', 2, 0],
      ['add_2', 2, 0.25],
      ['sub_3', 2, -0.75],
    ]);
    const symmetric = plan(buildGraph(b.model()), { activations: 'symmetric' });
    expect(symmetric.status).toMatchObject({ Mul_1: 'folded', Add_2: 'quantized' });
  });

  it('quantizes both inputs of MatMul between activations when asked, and never int64 shape arithmetic', () => {
    const b = new GraphBuilder();
    const q = b.input('q', 'float32', [2, 3]);
    const k = b.input('k', 'float32', [3, 2]);
    const shape = b.op(
      'Concat',
      [b.op('Shape', [q]), b.initializer('one', 'int64', [1], [1])],
      [attr.int('axis', 0)],
    );
    const r = b.op('Reshape', [b.op('MatMul', [q, k]), shape]);
    b.output(b.op('Tanh', [r]));
    const { p, status, reason } = plan(buildGraph(b.model()), { activationMatMul: 'quantize' });
    expect(status).toMatchObject({
      MatMul_2: 'quantized',
      Concat_1: 'float',
      Reshape_3: 'shares-scale',
    });
    expect(reason.Concat_1).toBe('reads no float activation');
    expect(p.groups.map((g) => g.tensors)).toEqual([['q'], ['k'], ['matmul_2', 'reshape_3']]);
    expect(p.constants).toEqual([]);
    expect(p.activationMatMul).toBe('quantize');
    // The default keeps it float, with the measured reason, and nothing around it gets QDQ.
    const byDefault = plan(buildGraph(b.model()));
    expect(byDefault.status).toMatchObject({ MatMul_2: 'float', Reshape_3: 'float' });
    expect(byDefault.reason.MatMul_2).toBe(ACTIVATION_MATMUL_REASON);
    expect(byDefault.p.activationMatMul).toBe('float');
    expect(byDefault.p.groups).toEqual([]);
  });

  it('gives a reason for ops without an integer kernel and for unknown ops', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 4]);
    const y = b.op('Erf', [b.op('MysteryOp', [x])]);
    b.output(y);
    expect(plan(buildGraph(b.model())).reason).toEqual({
      MysteryOp_0: 'not in the op table: no known integer kernel',
      Erf_1: 'no integer kernel in onnxruntime CPU',
    });
  });

  it('shares one scale across Concat when asked, and quantizes constant inputs as constants', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const c = b.op('Conv', [x, weight(b, 'w', 2, 2)]);
    const cat = b.op(
      'Concat',
      [c, x, b.initializer('pad', 'float32', [1, 1, 4, 4], new Float32Array(16))],
      [attr.int('axis', 1)],
    );
    b.output(b.op('Tanh', [cat]));
    const requantize = plan(buildGraph(b.model())).p;
    expect(requantize.groups.map((g) => g.tensors)).toEqual([['x'], ['conv_0'], ['concat_1']]);
    expect(requantize.constants.at(-1)).toEqual({
      node: 'concat_1',
      input: 2,
      tensor: 'pad',
      role: 'constant',
    });
    const shared = plan(buildGraph(b.model()), { concat: 'share' }).p;
    expect(shared.groups.map((g) => g.tensors)).toEqual([['x', 'conv_0', 'concat_1']]);
  });

  it('takes overrides per tensor, fails on conflicting ones in a shared group, and is JSON data', () => {
    const fixed = plan(convReluConv(), {
      tensors: { x: { range: { min: -1, max: 1 }, qtype: 'int8' } },
    }).p;
    expect(fixed.groups[0]).toMatchObject({
      qtype: 'int8',
      fixedRange: { min: -1, max: 1 },
      calibrate: [],
    });
    expect(fixed.calibrate).toEqual(['relu_1', 'conv_2', 'sigmoid_3']);
    expect(JSON.parse(JSON.stringify(fixed))).toEqual(fixed);
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 2, 4, 4]);
    const r = b.op('Reshape', [
      b.op('Conv', [x, weight(b, 'w', 2, 2)]),
      b.initializer('s', 'int64', [2], [1, 32]),
    ]);
    b.output(
      b.op('Tanh', [
        b.op('MatMul', [r, b.initializer('m', 'float32', [32, 2], new Float32Array(64))]),
      ]),
    );
    const conflict = {
      tensors: { conv_0: { qtype: 'int8' as const }, reshape_1: { qtype: 'uint8' as const } },
    };
    let error: unknown;
    try {
      planQuantization(buildGraph(b.model()), conflict);
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'bad-argument')).toBe(true);
  });
});

describe('summarizePlan', () => {
  it('counts decisions per op type, with each float reason', () => {
    const summary = summarizePlan(planQuantization(convReluConv()));
    expect(summary).toMatchObject({
      nodes: 5,
      integer: 4,
      float: 1,
      quantizedTensors: 4,
      calibratedTensors: 4,
      weights: 2,
    });
    expect(summary.byOp.Conv).toEqual({
      quantized: 2,
      sharesScale: 0,
      folded: 0,
      float: 0,
      floatReasons: {},
    });
    expect(summary.byOp.Mul?.floatReasons).toEqual({
      'its output is a graph output, which stays float': 1,
    });
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

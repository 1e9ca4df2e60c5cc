// Every opset upgrade rule checked against ONNX Runtime: a tiny model at its old opset and the
// same model upgraded must give identical outputs on the same input.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../src/onnx/gen/onnx_pb.js';
import { attr } from '../src/onnx/graph-node.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import { upgradeOpset, type UpgradeReport } from '../src/onnx/opset-upgrade.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';
import { GraphBuilder } from './helpers/graph-builder.js';

type Outputs = Record<string, unknown[]>;

async function run(model: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Outputs> {
  const session = await ort.InferenceSession.create(writeModel(model));
  const results = await session.run(feeds);
  const out: Outputs = {};
  for (const name of session.outputNames)
    out[name] = Array.from(results[name]!.data as ArrayLike<unknown>);
  return out;
}

/** A float32 input of `shape` holding a fixed ramp with negatives, for deterministic runs. */
function ramp(shape: number[]): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new ort.Tensor(
    'float32',
    Float32Array.from({ length: n }, (_, i) => ((i * 7) % 11) - 4.5),
    shape,
  );
}

/** Upgrades a copy of the model at `opset` and checks ONNX Runtime agrees exactly. */
async function expectSameOutputs(
  b: GraphBuilder,
  opset: number,
  feeds: Record<string, ort.Tensor>,
  target = 13,
): Promise<UpgradeReport> {
  const original = b.model({ opset });
  const upgraded = readModel(writeModel(original));
  const report = upgradeOpset(upgraded, target);
  verifyGraph(buildGraph(upgraded));
  expect(await run(upgraded, feeds)).toEqual(await run(original, feeds));
  return report;
}

const x4 = (b: GraphBuilder, shape: number[]) => b.input('x', 'float32', shape);

describe('opset upgrade rules agree with ONNX Runtime', () => {
  it('Upsample-7 (scales attribute, nearest) becomes Resize', async () => {
    const b = new GraphBuilder();
    b.output(b.op('Upsample', [x4(b, [1, 1, 2, 3])], [attr.floats('scales', [1, 1, 2, 3])]));
    const report = await expectSameOutputs(b, 7, { x: ramp([1, 1, 2, 3]) });
    expect(report.changes[0]!.rule).toMatch(/^Upsample-10: becomes Resize/);
  });

  it('Upsample-9 (scales input, linear) becomes Resize', async () => {
    const b = new GraphBuilder();
    const scales = b.initializer('scales', 'float32', [4], [1, 1, 2, 2.5]);
    b.output(b.op('Upsample', [x4(b, [1, 1, 3, 3]), scales], [attr.string('mode', 'linear')]));
    await expectSameOutputs(b, 9, { x: ramp([1, 1, 3, 3]) });
  });

  for (const [mode, scales] of [
    ['nearest', [1, 1, 2, 1.5]],
    ['nearest', [1, 1, 0.5, 0.75]],
    ['nearest', [1, 1, 0.6, 1.75]],
    ['linear', [1, 1, 2, 0.5]],
  ] as const) {
    it(`Resize-10 (${mode}, scales ${scales.join('x')}) gains an roi slot and asymmetric mode`, async () => {
      const b = new GraphBuilder();
      const s = b.initializer('scales', 'float32', [4], scales);
      b.output(b.op('Resize', [x4(b, [1, 1, 4, 4]), s], [attr.string('mode', mode)]));
      await expectSameOutputs(b, 10, { x: ramp([1, 1, 4, 4]) });
    });
  }

  for (const rounding of ['round_prefer_floor', 'floor']) {
    it(`Resize-11 tf_half_pixel_for_nn (${rounding}) becomes half_pixel`, async () => {
      const b = new GraphBuilder();
      const roi = b.initializer('roi', 'float32', [0], []);
      const s = b.initializer('scales', 'float32', [4], [1, 1, 1.75, 0.6]);
      const attributes = [
        attr.string('mode', 'nearest'),
        attr.string('coordinate_transformation_mode', 'tf_half_pixel_for_nn'),
        attr.string('nearest_mode', rounding),
      ];
      b.output(b.op('Resize', [x4(b, [1, 1, 5, 5]), roi, s], attributes));
      await expectSameOutputs(b, 11, { x: ramp([1, 1, 5, 5]) });
    });
  }

  it('Clip-6 bounds become inputs, one or both', async () => {
    const b = new GraphBuilder();
    const x = x4(b, [2, 5]);
    b.output(b.op('Clip', [x], [attr.float('min', -1.5), attr.float('max', 2)]));
    b.output(b.op('Clip', [x], [attr.float('max', 0.5)]));
    await expectSameOutputs(b, 7, { x: ramp([2, 5]) });
  });

  it('Pad-2 pads and value become inputs (constant and reflect modes)', async () => {
    const b = new GraphBuilder();
    const x = x4(b, [1, 1, 3, 3]);
    b.output(
      b.op('Pad', [x], [attr.ints('pads', [0, 0, 1, 2, 0, 0, 2, 1]), attr.float('value', 1.5)]),
    );
    b.output(
      b.op(
        'Pad',
        [x],
        [attr.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1]), attr.string('mode', 'reflect')],
      ),
    );
    await expectSameOutputs(b, 7, { x: ramp([1, 1, 3, 3]) });
  });

  it('Squeeze-1 and Unsqueeze-1 axes become inputs', async () => {
    const b = new GraphBuilder();
    const squeezed = b.op('Squeeze', [x4(b, [1, 3, 1, 2])], [attr.ints('axes', [0, 2])]);
    b.output(b.op('Unsqueeze', [squeezed], [attr.ints('axes', [1])]));
    await expectSameOutputs(b, 7, { x: ramp([1, 3, 1, 2]) });
  });

  it('Slice-1 starts, ends and axes become inputs, with and without axes', async () => {
    const b = new GraphBuilder();
    const x = x4(b, [3, 4]);
    b.output(
      b.op(
        'Slice',
        [x],
        [attr.ints('axes', [1]), attr.ints('starts', [1]), attr.ints('ends', [3])],
      ),
    );
    b.output(b.op('Slice', [x], [attr.ints('starts', [1, -3]), attr.ints('ends', [1000, -1])]));
    await expectSameOutputs(b, 9, { x: ramp([3, 4]) });
  });

  it('Split-2 sizes become an input, and Split-18 gets num_outputs', async () => {
    for (const target of [13, 18]) {
      const b = new GraphBuilder();
      const x = x4(b, [2, 6]);
      b.node({
        opType: 'Split',
        inputs: [x],
        outputs: ['a', 'b'],
        attributes: [attr.int('axis', 1), attr.ints('split', [2, 4])],
      });
      b.node({
        opType: 'Split',
        inputs: [x],
        outputs: ['c', 'd', 'e'],
        attributes: [attr.int('axis', 1)],
      });
      for (const name of ['a', 'b', 'c', 'd', 'e']) b.output(name);
      await expectSameOutputs(b, 7, { x: ramp([2, 6]) }, target);
    }
  });

  it('TopK-1 k becomes an input', async () => {
    const b = new GraphBuilder();
    b.node({
      opType: 'TopK',
      inputs: [x4(b, [2, 5])],
      outputs: ['values', 'indices'],
      attributes: [attr.int('k', 2)],
    });
    b.output('values');
    b.output('indices', 'int64');
    await expectSameOutputs(b, 9, { x: ramp([2, 5]) });
  });

  it('ReduceSum-13 and ReduceMean-18 axes become inputs', async () => {
    const b = new GraphBuilder();
    const x = x4(b, [2, 3, 4]);
    b.output(b.op('ReduceSum', [x], [attr.ints('axes', [1]), attr.int('keepdims', 0)]));
    b.output(b.op('ReduceMean', [x], [attr.ints('axes', [-1])]));
    b.output(b.op('ReduceMax', [x]));
    const report = await expectSameOutputs(b, 9, { x: ramp([2, 3, 4]) }, 18);
    expect(report.changes.map((c) => c.opType)).toEqual(['ReduceSum', 'ReduceMean']);
  });

  it('Dropout-7 ratio becomes an input and BatchNormalization-7 loses spatial', async () => {
    const b = new GraphBuilder();
    const dropped = b.op('Dropout', [x4(b, [1, 2, 2, 2])], [attr.float('ratio', 0.3)]);
    const scale = b.initializer('scale', 'float32', [2], [0.5, 2]);
    const bias = b.initializer('bias', 'float32', [2], [1, -1]);
    const mean = b.initializer('mean', 'float32', [2], [0.25, -0.5]);
    const variance = b.initializer('var', 'float32', [2], [1, 4]);
    b.output(
      b.op('BatchNormalization', [dropped, scale, bias, mean, variance], [attr.int('spatial', 1)]),
    );
    await expectSameOutputs(b, 7, { x: ramp([1, 2, 2, 2]) }, 15);
  });

  it('Softmax, LogSoftmax and Hardmax keep their pre-13 meaning for every axis', async () => {
    const b = new GraphBuilder();
    const x = x4(b, [2, 3, 4]);
    const unknownRank = b.input('u', 'float32');
    b.output(b.op('Softmax', [x], [attr.int('axis', 1)]));
    b.output(b.op('LogSoftmax', [x], [attr.int('axis', 2)]));
    b.output(b.op('Softmax', [x]));
    b.output(b.op('Hardmax', [unknownRank], [attr.int('axis', 0)]));
    await expectSameOutputs(b, 9, { x: ramp([2, 3, 4]), u: ramp([2, 3]) });
  });

  it('Scatter-9 becomes ScatterElements', async () => {
    const b = new GraphBuilder();
    const indices = b.initializer('i', 'int64', [1, 2], BigInt64Array.of(1n, 3n));
    const updates = b.initializer('v', 'float32', [1, 2], [10, 20]);
    b.output(b.op('Scatter', [x4(b, [2, 4]), indices, updates], [attr.int('axis', 1)]));
    const report = await expectSameOutputs(b, 9, { x: ramp([2, 4]) });
    expect(report.changes[0]!.rule).toBe('Scatter-11: renamed ScatterElements');
  });

  it('an If body reading the outer scope is upgraded too', async () => {
    const body = (op: string) => {
      const g = new GraphBuilder(op);
      const squeezed = g.op('Squeeze', ['x'], [attr.ints('axes', [0])]);
      g.output(g.op(op, [squeezed], [attr.float('max', 1)]));
      return g.build();
    };
    const b = new GraphBuilder();
    x4(b, [1, 4]);
    b.input('c', 'bool', []);
    b.node({
      opType: 'If',
      inputs: ['c'],
      outputs: ['y'],
      attributes: [
        attr.graph('then_branch', body('Clip')),
        attr.graph('else_branch', body('Clip')),
      ],
    });
    b.output('y');
    const report = await expectSameOutputs(b, 9, {
      x: ramp([1, 4]),
      c: new ort.Tensor('bool', [true], []),
    });
    expect(report.changes).toHaveLength(4);
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { attr, attrInt, attrInts } from './graph-node.js';
import { buildGraph } from './graph.js';
import { defaultOpset, writeModel } from './model.js';
import { upgradeOpset } from './opset-upgrade.js';
import { verifyGraph } from './verify-graph.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'not a ZeropointError';
  }
  return undefined;
}

function clipModel(opset = 9) {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 4]);
  const clip = b.op('Clip', [x], [attr.float('min', 0), attr.float('max', 6)]);
  b.output(b.op('Squeeze', [clip], [attr.ints('axes', [0])]));
  return b.model({ opset, irVersion: 4 });
}

describe('upgradeOpset', () => {
  it('moves attributes to constant inputs and reports each rewrite', () => {
    const model = clipModel();
    const report = upgradeOpset(model, 13);
    expect([report.from, report.to, defaultOpset(model)]).toEqual([9, 13, 13]);
    expect(report.changes.map((c) => c.rule)).toEqual([
      'Clip-11: min and max attributes become inputs',
      'Squeeze-13: axes attribute becomes an input',
    ]);
    const g = buildGraph(model);
    const [clip, squeeze] = g.nodes;
    expect(clip!.attribute).toEqual([]);
    expect(Array.from(g.constantValue(clip!.input[2]!)!.data as Float32Array)).toEqual([6]);
    expect(g.constantValue(clip!.input[1]!)!.shape).toEqual([]);
    expect(Array.from(g.constantValue(squeeze!.input[1]!)!.data as BigInt64Array)).toEqual([0n]);
    verifyGraph(g);
  });

  it('raises ir_version to the first one that may carry the target opset', () => {
    const at13 = clipModel();
    upgradeOpset(at13, 13);
    expect(at13.irVersion).toBe(7n);
    const at21 = clipModel();
    upgradeOpset(at21, 21);
    expect(at21.irVersion).toBe(10n);
  });

  it('rejects targets outside 13..23 and downgrades, and does nothing at the same opset', () => {
    expect(codeOf(() => upgradeOpset(clipModel(), 12))).toBe('bad-argument');
    expect(codeOf(() => upgradeOpset(clipModel(), 24))).toBe('bad-argument');
    expect(codeOf(() => upgradeOpset(clipModel(18), 13))).toBe('bad-argument');
    const same = clipModel(13);
    const before = writeModel(same);
    expect(upgradeOpset(same, 13).changes).toEqual([]);
    expect(writeModel(same)).toEqual(before);
  });

  it('fails with unsupported-op naming the node, leaving the model untouched', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [1, 3, 2, 2]);
    const clip = b.op('Clip', [x], [attr.float('max', 1)]);
    b.node({ opType: 'ImageScaler', name: 'scaler', inputs: [clip], outputs: ['y'] });
    b.output('y');
    const model = b.model({ opset: 7 });
    const before = writeModel(model);
    let error: unknown;
    try {
      upgradeOpset(model, 13);
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'unsupported-op') && error.context.node).toBe('scaler');
    expect(writeModel(model)).toEqual(before);
  });

  it('refuses BatchNormalization with spatial=0 and a Dropout mask read before opset 10', () => {
    const bn = new GraphBuilder();
    const x = bn.input('x', 'float32', [1, 2, 2, 2]);
    const p = bn.initializer('p', 'float32', [2], [1, 1]);
    bn.output(bn.op('BatchNormalization', [x, p, p, p, p], [attr.int('spatial', 0)]));
    expect(codeOf(() => upgradeOpset(bn.model({ opset: 7 }), 13))).toBe('unsupported-op');

    const dropout = new GraphBuilder();
    const y = dropout.input('y', 'float32', [4]);
    dropout.node({ opType: 'Dropout', inputs: [y], outputs: ['d', 'mask'] });
    dropout.output('mask');
    expect(codeOf(() => upgradeOpset(dropout.model({ opset: 7 }), 13))).toBe('unsupported-op');
  });

  it('leaves nodes of other domains alone', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [4]);
    b.node({
      opType: 'Squeeze',
      domain: 'com.example',
      inputs: [x],
      outputs: ['y'],
      attributes: [attr.ints('axes', [0])],
    });
    b.output('y');
    const model = b.model({ opset: 11, domains: { 'com.example': 1 } });
    expect(upgradeOpset(model, 13).changes).toEqual([]);
    expect(attrInts(model.graph!.node[0]!, 'axes')).toEqual([0]);
  });

  it('writes Clip bounds as float32 and says so when the element type is unknown', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [4]);
    b.node({ opType: 'Mystery', domain: 'com.example', inputs: [x], outputs: ['m'] });
    b.node({
      opType: 'Clip',
      name: 'clip',
      inputs: ['m'],
      outputs: ['y'],
      attributes: [attr.float('max', 1)],
    });
    b.output('y');
    const report = upgradeOpset(b.model({ opset: 9, domains: { 'com.example': 1 } }), 13);
    expect(report.notes).toEqual(['clip: element type unknown, constants written as float32']);
  });

  it('keeps Softmax whole when its axis is the last one, else spells out the old 2-D form', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', [2, 3, 4]);
    const last = b.op('Softmax', [x], [attr.int('axis', 2)]);
    b.output(b.op('LogSoftmax', [last]));
    const model = b.model({ opset: 11 });
    const report = upgradeOpset(model, 13);
    expect(model.graph!.node.map((n) => n.opType)).toEqual([
      'Softmax',
      'Flatten',
      'Shape',
      'LogSoftmax',
      'Reshape',
    ]);
    expect(attrInt(model.graph!.node[0]!, 'axis', undefined)).toBe(2);
    expect(attrInt(model.graph!.node[1]!, 'axis', undefined)).toBe(1);
    expect(report.notes).toHaveLength(1);
    verifyGraph(buildGraph(model));
  });

  it('infers the rank of a Reshape output from a Concat of shape pieces', () => {
    const b = new GraphBuilder();
    const x = b.input('x', 'float32', ['n', 6]);
    const shape = b.op('Shape', [x]);
    const batch = b.op(
      'Slice',
      [shape],
      [attr.ints('starts', [0]), attr.ints('ends', [1]), attr.ints('axes', [0])],
    );
    const rest = b.constant('rest', 'int64', [2], BigInt64Array.of(2n, 3n));
    const target = b.op('Concat', [batch, rest], [attr.int('axis', 0)]);
    const reshaped = b.op('Reshape', [x, target]);
    b.output(b.op('Softmax', [reshaped], [attr.int('axis', 2)]));
    const model = b.model({ opset: 9 });
    expect(upgradeOpset(model, 13).notes).toEqual([]);
    expect(model.graph!.node.some((n) => n.opType === 'Flatten')).toBe(false);
  });

  it('upgrades nodes inside subgraph bodies, adding constants to the body', () => {
    const body = new GraphBuilder('then');
    body.node({
      opType: 'Squeeze',
      inputs: ['x'],
      outputs: ['t'],
      attributes: [attr.ints('axes', [0])],
    });
    body.output('t');
    const b = new GraphBuilder();
    b.input('x', 'float32', [1, 2]);
    b.input('c', 'bool', []);
    const g = body.build();
    b.node({
      opType: 'If',
      inputs: ['c'],
      outputs: ['y'],
      attributes: [attr.graph('then_branch', g), attr.graph('else_branch', g)],
    });
    b.output('y');
    const model = b.model({ opset: 11 });
    upgradeOpset(model, 13);
    expect(g.node[0]!.input).toEqual(['x', 'Squeeze_axes']);
    expect(g.initializer.map((t) => t.name)).toEqual(['Squeeze_axes']);
    verifyGraph(buildGraph(model));
  });
});

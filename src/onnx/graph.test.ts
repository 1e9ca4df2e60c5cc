import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { attr, makeNode } from './graph-node.js';
import { buildGraph } from './graph.js';
import { readModel, writeModel } from './model.js';
import { tensorToProto } from './tensor.js';
import { verifyGraph } from './verify-graph.js';

/** x -> Conv(w, b) -> Relu -> y, plus a Constant node feeding an Add. */
function convModel() {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [1, 2, 4, 4]);
  const w = b.initializer('w', 'float32', [3, 2, 1, 1], [1, 2, 3, 4, 5, 6]);
  const bias = b.constant('bias', 'float32', [3], [0.5, -0.5, 1]);
  const conv = b.op('Conv', [x, w, bias]);
  const relu = b.op('Relu', [conv]);
  const shift = b.constant('shift', 'float32', [], [2]);
  b.output(b.op('Add', [relu, shift]), 'float32', [1, 3, 4, 4]);
  return b.model();
}

describe('buildGraph indexes', () => {
  it('records the producer and consumers of each value', () => {
    const g = buildGraph(convModel());
    const conv = g.nodes.find((n) => n.opType === 'Conv')!;
    expect(g.producer('conv_0')).toBe(conv);
    expect(g.consumers('x')).toEqual([conv]);
    expect(g.uses('bias')).toEqual([{ node: conv, index: 2 }]);
    expect(g.consumers('relu_1').map((n) => n.opType)).toEqual(['Add']);
    expect(g.producer('x')).toBeUndefined();
  });

  it('looks up constants the same way whether initializer or Constant node', () => {
    const g = buildGraph(convModel());
    expect(g.initializer('w')?.name).toBe('w');
    expect(g.initializer('bias')).toBeUndefined();
    expect(Array.from(g.constantValue('w')!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const bias = g.constantValue('bias')!;
    expect(bias.name).toBe('bias');
    expect(bias.shape).toEqual([3]);
    expect(Array.from(bias.data as Float32Array)).toEqual([0.5, -0.5, 1]);
    expect(g.constant('x')).toBeUndefined();
    expect(g.constant('conv_0')).toBeUndefined();
  });

  it('reads value_float and value_ints Constant nodes as tensors', () => {
    const b = new GraphBuilder();
    b.node({
      opType: 'Constant',
      inputs: [],
      outputs: ['f'],
      attributes: [attr.float('value_float', 1.5)],
    });
    b.node({
      opType: 'Constant',
      inputs: [],
      outputs: ['i'],
      attributes: [attr.ints('value_ints', [3, -1])],
    });
    const g = buildGraph(b.model());
    const f = g.constantValue('f')!;
    expect([f.dtype, f.shape, Array.from(f.data as Float32Array)]).toEqual(['float32', [], [1.5]]);
    const i = g.constantValue('i')!;
    expect([i.dtype, i.shape, Array.from(i.data as BigInt64Array)]).toEqual([
      'int64',
      [2],
      [3n, -1n],
    ]);
  });

  it('lists graph inputs without initializers and finds value_info by name', () => {
    const model = convModel();
    model.graph!.input.push({ ...model.graph!.input[0]!, name: 'w' });
    const g = buildGraph(model);
    expect(g.inputs.map((v) => v.name)).toEqual(['x']);
    expect(g.isGraphInput('w')).toBe(true);
    expect(g.valueInfo('add_2')?.type?.value.case).toBe('tensorType');
    expect(g.isGraphOutput('add_2')).toBe(true);
  });
});

describe('Graph mutations', () => {
  it('inserts a node after the producer of its input and redirects consumers to it', () => {
    const g = buildGraph(convModel());
    const relu = g.producer('relu_1')!;
    const id = g.addNode(
      makeNode({ opType: 'Identity', inputs: ['conv_0'], outputs: [g.uniqueName('conv_0_q')] }),
    );
    expect(g.replaceUses('conv_0', 'conv_0_q', (u) => u.node !== id)).toBe(1);
    expect(relu.input[0]).toBe('conv_0_q');
    expect(g.nodes.indexOf(id)).toBe(g.nodes.indexOf(g.producer('conv_0')!) + 1);
    verifyGraph(g);
  });

  it('re-sorts when a node is added before the producer of what it reads', () => {
    const g = buildGraph(convModel());
    const first = g.nodes[0]!;
    const neg = makeNode({ opType: 'Neg', inputs: ['relu_1'], outputs: ['neg'] });
    g.addNode(neg, { before: first });
    expect(g.nodes.indexOf(neg)).toBeGreaterThan(g.nodes.indexOf(g.producer('relu_1')!));
    verifyGraph(g);
  });

  it('refuses a node whose output is already defined', () => {
    const g = buildGraph(convModel());
    const clash = makeNode({ opType: 'Relu', inputs: ['x'], outputs: ['w'] });
    expect(() => g.addNode(clash)).toThrow(/'w' is already defined/);
  });

  it('removes a node and rewires its consumer around it', () => {
    const g = buildGraph(convModel());
    const relu = g.producer('relu_1')!;
    g.replaceUses('relu_1', 'conv_0');
    g.removeNode(relu);
    expect(g.nodes.includes(relu)).toBe(false);
    expect(g.producer('relu_1')).toBeUndefined();
    expect(g.consumers('conv_0').map((n) => n.opType)).toEqual(['Add']);
    verifyGraph(g);
  });

  it('renames a graph output with its producer, and an initializer with its readers', () => {
    const g = buildGraph(convModel());
    g.renameValue('add_2', 'y');
    g.renameValue('w', 'weight');
    expect(g.outputs.map((v) => v.name)).toEqual(['y']);
    expect(g.producer('y')?.opType).toBe('Add');
    expect(g.initializer('weight')?.name).toBe('weight');
    expect(g.producer('conv_0')?.input[1]).toBe('weight');
    verifyGraph(g);
  });

  it('adds initializers, also as graph inputs when ir_version < 4', () => {
    const model = convModel();
    model.irVersion = 3n;
    const g = buildGraph(model);
    const scale = g.uniqueName('scale');
    g.addInitializer(tensorToProto({ name: scale, dtype: 'float32', shape: [], data: [0.1] }));
    expect(g.constantValue('scale')?.data[0]).toBeCloseTo(0.1);
    expect(g.isGraphInput('scale')).toBe(true);
    expect(g.inputs.map((v) => v.name)).toEqual(['x']);
    g.removeInitializer('scale');
    expect(g.constant('scale')).toBeUndefined();
    expect(model.graph!.input.map((v) => v.name)).toEqual(['x']);
  });

  it('hands out names unused anywhere, subgraphs included', () => {
    const g = buildGraph(convModel());
    expect(g.uniqueName('w')).toBe('w_1');
    expect(g.uniqueName('w')).toBe('w_2');
    expect(g.uniqueName('fresh')).toBe('fresh');
    expect(g.uniqueName('fresh')).toBe('fresh_1');
  });

  it('writes back an untouched graph byte for byte', () => {
    const bytes = writeModel(convModel());
    const g = buildGraph(readModel(bytes));
    expect(writeModel(g.model)).toEqual(bytes);
  });

  it('fails with bad-argument on a node that is not in the graph', () => {
    const g = buildGraph(convModel());
    const stray = makeNode({ opType: 'Relu', inputs: ['x'], outputs: ['r'] });
    let error: unknown;
    try {
      g.removeNode(stray);
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'bad-argument')).toBe(true);
  });
});

describe('subgraphs', () => {
  /** If(cond) then Relu(x) else Neg(x), where both bodies read the outer x. */
  function ifModel() {
    const body = (op: string) => {
      const b = new GraphBuilder(op);
      b.node({ opType: op, inputs: ['x'], outputs: [`${op}_out`] });
      b.output(`${op}_out`);
      return b.build();
    };
    const b = new GraphBuilder();
    b.input('x', 'float32', [2]);
    b.input('cond', 'bool', []);
    b.node({
      opType: 'If',
      inputs: ['cond'],
      outputs: ['y'],
      attributes: [attr.graph('then_branch', body('Relu')), attr.graph('else_branch', body('Neg'))],
    });
    b.output('y');
    return b.model();
  }

  it('counts outer values read inside a body as uses of the If node', () => {
    const g = buildGraph(ifModel());
    const node = g.producer('y')!;
    expect(g.implicitInputs(node)).toEqual(['x']);
    expect(g.uses('x')).toEqual([{ node, index: -1 }]);
    verifyGraph(g);
  });

  it('redirects an outer value inside the bodies, leaving body-local names alone', () => {
    const g = buildGraph(ifModel());
    g.addNode(makeNode({ opType: 'Abs', inputs: ['x'], outputs: ['x_abs'] }));
    const node = g.producer('y')!;
    g.replaceUses('x', 'x_abs', (u) => u.node === node);
    const thenBody = node.attribute[0]!.g!;
    expect(thenBody.node[0]!.input).toEqual(['x_abs']);
    expect(thenBody.output[0]!.name).toBe('Relu_out');
    expect(g.implicitInputs(node)).toEqual(['x_abs']);
    verifyGraph(g);
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError, type ZeropointError } from '../core/index.js';
import { attr, makeNode } from './graph-node.js';
import { buildGraph } from './graph.js';
import { verifyGraph } from './verify-graph.js';

function failure(run: () => void): ZeropointError {
  try {
    run();
  } catch (error) {
    if (isZeropointError(error, 'bad-model')) return error;
    throw error;
  }
  throw new Error('expected verifyGraph to fail');
}

/** x -> A: Relu -> a -> B: Neg -> b (output), with the nodes given in `order`. */
function chain(order: 'ok' | 'swapped' = 'ok') {
  const b = new GraphBuilder();
  b.input('x', 'float32', [2]);
  const nodes = [
    { opType: 'Relu', name: 'A', inputs: ['x'], outputs: ['a'] },
    { opType: 'Neg', name: 'B', inputs: ['a'], outputs: ['b'] },
  ];
  for (const n of order === 'ok' ? nodes : nodes.reverse()) b.node(n);
  b.output('b');
  return b;
}

describe('verifyGraph', () => {
  it('accepts a valid graph, including empty optional inputs', () => {
    const b = chain();
    b.node({ opType: 'Clip', name: 'C', inputs: ['b', '', 'x'], outputs: ['c'] });
    expect(() => verifyGraph(buildGraph(b.model()))).not.toThrow();
  });

  it('names a node reading a value nothing produces', () => {
    const b = chain();
    b.node({ opType: 'Add', name: 'D', inputs: ['b', 'ghost'], outputs: ['d'] });
    const error = failure(() => verifyGraph(buildGraph(b.model())));
    expect(error.message).toMatch(/node 'D' reads 'ghost', which no node/);
    expect(error.context.node).toBe('D');
  });

  it('names a value produced twice', () => {
    const b = chain();
    b.node({ opType: 'Abs', name: 'E', inputs: ['x'], outputs: ['a'] });
    const error = failure(() => verifyGraph(buildGraph(b.model())));
    expect(error.message).toMatch(/'a' is produced twice, by node 'A' and by node 'E'/);
    expect(error.context.node).toBe('E');
  });

  it('names a node output that shadows an initializer', () => {
    const b = chain();
    b.initializer('w', 'float32', [1], [1]);
    b.node({ opType: 'Abs', name: 'F', inputs: ['x'], outputs: ['w'] });
    expect(failure(() => verifyGraph(b.build())).message).toMatch(/'w' is produced twice/);
  });

  it('names a node that comes before its producer', () => {
    const error = failure(() => verifyGraph(chain('swapped').build()));
    expect(error.message).toMatch(/node 'B' reads 'a' before its producer 'A'/);
    expect(error.context.node).toBe('B');
  });

  it('reports a cycle rather than an ordering problem', () => {
    const b = new GraphBuilder();
    b.input('x', 'float32', [2]);
    b.node({ opType: 'Add', name: 'P', inputs: ['x', 'q'], outputs: ['p'] });
    b.node({ opType: 'Relu', name: 'Q', inputs: ['p'], outputs: ['q'] });
    b.output('q');
    expect(failure(() => verifyGraph(b.build())).message).toMatch(/cycle: P -> Q -> P/);
  });

  it('names a graph output nothing produces', () => {
    const b = chain();
    b.output('missing');
    const error = failure(() => verifyGraph(b.build()));
    expect(error.message).toMatch(/output 'missing' is not produced/);
  });

  it('accepts subgraphs reading outer values, and names a body reading an unknown one', () => {
    const body = new GraphBuilder('then');
    body.node({ opType: 'Add', name: 'inner', inputs: ['a', 'x'], outputs: ['t'] });
    body.output('t');
    const b = chain();
    b.input('cond', 'bool', []);
    const branch = (g: GraphBuilder) => [
      attr.graph('then_branch', g.build()),
      attr.graph('else_branch', g.build()),
    ];
    b.node({ opType: 'If', name: 'I', inputs: ['cond'], outputs: ['y'], attributes: branch(body) });
    expect(() => verifyGraph(buildGraph(b.model()))).not.toThrow();

    const bad = new GraphBuilder('then');
    bad.node({ opType: 'Add', name: 'inner', inputs: ['a', 'nowhere'], outputs: ['t'] });
    bad.output('t');
    const c = chain();
    c.input('cond', 'bool', []);
    c.node({ opType: 'If', name: 'I', inputs: ['cond'], outputs: ['y'], attributes: branch(bad) });
    const error = failure(() => verifyGraph(c.build()));
    expect(error.message).toMatch(/subgraph 'then' of node 'I': node 'inner' reads 'nowhere'/);
  });

  it('rejects a body reading an outer value produced only after the If node', () => {
    const body = new GraphBuilder('then');
    body.node({ opType: 'Relu', name: 'inner', inputs: ['late'], outputs: ['t'] });
    body.output('t');
    const b = chain();
    b.input('cond', 'bool', []);
    const g = body.build();
    b.node({
      opType: 'If',
      name: 'I',
      inputs: ['cond'],
      outputs: ['y'],
      attributes: [attr.graph('then_branch', g), attr.graph('else_branch', g)],
    });
    b.node({ opType: 'Relu', name: 'L', inputs: ['x'], outputs: ['late'] });
    expect(failure(() => verifyGraph(b.build())).message).toMatch(/reads 'late'/);
  });

  it('catches a Graph whose index no longer matches its nodes', () => {
    const g = buildGraph(chain().model());
    g.model.graph!.node.push(
      makeNode({ opType: 'Abs', name: 'sneaky', inputs: ['b'], outputs: ['s'] }),
    );
    expect(failure(() => verifyGraph(g)).message).toMatch(/graph index is stale/);
  });
});

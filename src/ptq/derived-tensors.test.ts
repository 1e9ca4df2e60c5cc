// Derived tensors: which calibrated tensors the observers recompute instead of fetching, and
// that calibrating with them gives the statistics of fetching every tensor from onnxruntime,
// bit for bit, on data with -0, subnormals, huge and tiny values and broadcasting operands.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../onnx/graph.js';
import { readModel } from '../onnx/model.js';
import { attr } from '../onnx/graph-node.js';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { createSession } from '../runtime/onnxruntime.js';
import { calibrate } from './calibrate.js';
import { deriveTensors, type BatchTensor } from './derive-values.js';
import { exposeTensors } from './expose-tensors.js';
import { planDerivations } from './derived-tensors.js';

/** x [N, 4, 3, 3] -> Sigmoid s -> hard-swish chain on s -> Transpose -> Add; an SE-style Mul. */
function model(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', ['N', 4, 3, 3]);
  const sixth = g.initializer('sixth', 'float32', [], [1 / 6]);
  const half = g.initializer('half', 'float32', [1], [0.5]);
  const [lo, hi] = [
    g.initializer('lo', 'float32', [], [0]),
    g.initializer('hi', 'float32', [], [1]),
  ];
  const s = g.op('Sigmoid', [x]); // sigmoid_0, fetched
  const m = g.op('Mul', [s, sixth]); // mul_1, computed on the way, not observed
  const a = g.op('Add', [m, half]); // add_2
  const c = g.op('Clip', [a, lo, hi]); // clip_3
  const y = g.op('Mul', [x, c]); // mul_4: x is fed, c derived
  const t = g.op('Transpose', [y], [attr.ints('perm', [0, 2, 3, 1])]); // transpose_5: a copy
  const z = g.op('Add', [t, half]); // add_6: t's layout is not y's, so fetched
  const p = g.op('GlobalAveragePool', [y]); // globalaveragepool_7 [N, 4, 1, 1], fetched
  const e = g.op('Mul', [y, p]); // mul_8: broadcast
  const bias = g.initializer('bias', 'float32', [3], [1e-8, -3, 1e10]);
  const d = g.op('Div', [e, bias]); // div_9: broadcast along the last axis
  const r = g.op('Relu', [g.op('Sub', [d, x])]); // sub_10, relu_11
  g.output(g.op('Identity', [r]), 'float32'); // identity_12
  g.output(z, 'float32');
  g.output(g.op('Clip', [x, lo, hi]), 'float32'); // clip_13: -0 in x
  return g.bytes();
}

const REQUESTED = [
  'sigmoid_0',
  'add_2',
  'clip_3',
  'mul_4',
  'transpose_5',
  'add_6',
  'globalaveragepool_7',
  'mul_8',
  'div_9',
  'sub_10',
  'relu_11',
  'identity_12',
  'clip_13',
];

describe('planDerivations', () => {
  const graph = buildGraph(readModel(model()));

  it('fetches only what nothing derives, and derives in graph order', () => {
    const plan = planDerivations(graph, REQUESTED, ['x'], new Set());
    expect(plan.fetch).toEqual(['sigmoid_0', 'add_6', 'globalaveragepool_7']);
    expect(plan.derived.map((d) => `${d.op} ${d.tensor}`)).toEqual([
      'Mul mul_1',
      'Add add_2',
      'Clip clip_3',
      'Mul mul_4',
      'Copy transpose_5',
      'Mul mul_8',
      'Div div_9',
      'Sub sub_10',
      'Clip relu_11',
      'Copy identity_12',
      'Clip clip_13',
    ]);
  });

  it('without arithmetic only the copies are derived', () => {
    const plan = planDerivations(graph, REQUESTED, ['x'], new Set(), false);
    expect(plan.derived.map((d) => d.tensor)).toEqual(['transpose_5', 'identity_12']);
    expect(plan.fetch).toHaveLength(REQUESTED.length - 2);
  });

  it('a tensor whose channel means are read is fetched rather than copied from another layout', () => {
    const plan = planDerivations(graph, REQUESTED, ['x'], new Set(['transpose_5']));
    expect(plan.fetch).toContain('transpose_5');
    expect(plan.derived.map((d) => d.tensor)).not.toContain('transpose_5');
  });
});

describe('calibrate with derived tensors', () => {
  // Values that probe the rounding: -0, subnormals, values near float32's extremes, exact ties.
  const special = [-0, 0, 1e-45, -1e-44, 1e12, -1e12, 1e-30, 6, -6, 0.5, 1 / 3];
  const batches = Array.from({ length: 3 }, (_, b) => {
    const data = Float32Array.from({ length: 2 * 36 }, (_, i) => {
      const k = (i * 7919 + b * 104729) % 1000;
      return i % 5 === 0 ? special[(i / 5 + b) % special.length]! : (k - 500) / (37 + b * 50);
    });
    return { x: { type: 'float32' as const, dims: [2, 4, 3, 3], data } };
  });

  it('recomputes each tensor to the bits onnxruntime computes', async () => {
    const bytes = model();
    const fetchAll = exposeTensors(bytes, REQUESTED);
    const some = exposeTensors(bytes, REQUESTED, { derive: 'arithmetic' });
    const session = await createSession(fetchAll.bytes);
    try {
      for (const feeds of batches) {
        const out = await session.run(feeds, fetchAll.fetch);
        const tensors = new Map<string, BatchTensor>([['x', feeds.x]]);
        for (const name of some.fetch) tensors.set(name, out[name] as BatchTensor);
        deriveTensors(some.derived, tensors, new Map());
        for (const d of some.derived.filter(
          (r) => r.op !== 'Copy' && REQUESTED.includes(r.tensor),
        )) {
          const bits = (t: BatchTensor | undefined) => [...new Uint32Array(t!.data.slice().buffer)];
          expect(bits(tensors.get(d.tensor)), d.tensor).toEqual(bits(out[d.tensor] as BatchTensor));
        }
      }
    } finally {
      await session.release();
    }
  });

  for (const method of ['histogram', 'minmax', 'ema'] as const) {
    it(`gives the statistics of fetching every tensor (${method})`, async () => {
      const run = (fetch: 'all' | 'shared' | 'derived') =>
        calibrate(model(), REQUESTED, batches, {
          method,
          fetch,
          means: [{ tensor: 'mul_4', axis: 1 }],
        });
      const [fetched, shared, derived] = await Promise.all([
        run('all'),
        run('shared'),
        run('derived'),
      ]);
      expect(JSON.stringify(shared)).toEqual(JSON.stringify(fetched));
      expect(JSON.stringify(derived)).toEqual(JSON.stringify(fetched));
      expect(derived.observers.size).toBe(REQUESTED.length);
    });
  }

  it('a tensor derived from one that is not float32 is noted, as its source is', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['N', 2]);
    const i = g.op('Cast', [x], [attr.int('to', 6)]); // cast_0: int32, undeclared
    g.output(g.op('Cast', [g.op('Identity', [i])], [attr.int('to', 1)]), 'float32');
    const feeds = [{ x: { type: 'float32' as const, dims: [1, 2], data: Float32Array.of(1, 2) } }];
    const r = await calibrate(g.bytes(), ['cast_0', 'identity_1'], feeds, { method: 'minmax' });
    expect(r.notes).toEqual([
      { tensor: 'cast_0', reason: 'int32, not float32' },
      { tensor: 'identity_1', reason: 'int32, not float32' },
    ]);
  });
});

// The executor end to end on small built graphs: whole-program gradients (fan-out, shape
// arithmetic, a trainable Constant node, a trainable input) against central differences of the
// program's own forward in float64, the tape's one-use rule, and the unsupported-op error.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { ModelBuilder } from '../onnx/build.js';
import { attr, buildGraph, makeNode, tensorToProto } from '../onnx/index.js';
import { compileTrainingGraph } from './executor.js';
import { randomTensor, randoms } from './grad-check.js';
import { recycle, withFloat64, type QTensor } from './tensor.js';

/** x [2, 3, 5, 5] -> Conv -> HardSwish -> (+ itself scaled) -> flatten via Shape -> MatMul -> Softmax. */
function smallGraph() {
  const b = new ModelBuilder();
  const x = b.input('x', 'float32', [2, 3, 5, 5]);
  const w = b.initializer('w', 'float32', [4, 3, 3, 3], randomTensor([4, 3, 3, 3], 1, 0.5).data);
  const bias = b.initializer('bias', 'float32', [4], randomTensor([4], 2).data);
  const w2 = b.initializer('w2', 'float32', [36, 5], randomTensor([36, 5], 3, 0.3).data);
  const conv = b.op(
    'Conv',
    [x, w, bias],
    [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])],
  );
  const act = b.op('HardSwish', [conv]);
  const half = b.op(
    'Constant',
    [],
    [attr.tensor('value', tensorToProto({ name: 'h', dtype: 'float32', shape: [1], data: [0.5] }))],
  );
  const scaled = b.op('Mul', [act, half]);
  const both = b.op('Add', [act, scaled]); // act is read twice: gradients must add up
  const shape = b.op('Shape', [both]);
  const batch = b.op('Gather', [shape, b.initializer('zero', 'int64', [1], BigInt64Array.of(0n))]);
  const target = b.op(
    'Concat',
    [batch, b.initializer('minus1', 'int64', [1], BigInt64Array.of(-1n))],
    [attr.int('axis', 0)],
  );
  const flat = b.op('Reshape', [both, target]);
  const logits = b.op('MatMul', [flat, w2]);
  const y = b.op('Softmax', [logits], [attr.int('axis', -1)]);
  b.output(y, 'float32', [2, 5]);
  return { graph: buildGraph(b.model(13)), output: y, half };
}

describe('compileTrainingGraph', () => {
  it('gives whole-program gradients equal to central differences (float64)', () => {
    withFloat64(() => {
      const { graph, output, half } = smallGraph();
      const trainable = new Set(['w', 'bias', 'w2', half, 'x']);
      const program = compileTrainingGraph(graph, trainable);
      const x = randomTensor([2, 3, 5, 5], 4);
      const r = randoms(9);
      const weights = Float64Array.from({ length: 10 }, () => r());
      const loss = (): number => {
        const y = program.forward({ x }, { tape: false }).outputs[output] as QTensor;
        return y.data.reduce((sum, v, i) => sum + v * (weights[i] as number), 0);
      };
      const pass = program.forward({ x });
      const y = pass.outputs[output] as QTensor;
      const grads = program.backward(pass, {
        [output]: { shape: y.shape, data: Float32Array.from(weights) },
      });
      let checks = 0;
      for (const name of trainable) {
        const values = name === 'x' ? x.data : (program.params.get(name) as QTensor).data;
        const got = grads.get(name) as Float32Array;
        expect(got.length).toBe(values.length);
        for (let i = 0; i < values.length; i += 3) {
          const keep = values[i] as number;
          values[i] = keep + 1e-6;
          const up = loss();
          values[i] = keep - 1e-6;
          const down = loss();
          values[i] = keep;
          const numeric = (up - down) / 2e-6;
          expect(Math.abs((got[i] as number) - numeric), `${name}[${i}]`).toBeLessThan(
            1e-7 + 1e-5 * Math.abs(numeric),
          );
          checks++;
        }
      }
      expect(checks).toBeGreaterThan(100);
    });
  });

  it('backpropagates a pass once, and not a pass run without a tape', () => {
    const { graph, output } = smallGraph();
    const program = compileTrainingGraph(graph, new Set(['w']));
    const x = randomTensor([2, 3, 5, 5], 4);
    const g = { [output]: randomTensor([2, 5], 5) };
    const pass = program.forward({ x });
    expect(program.backward(pass, g).get('w')?.length).toBe(108);
    expect(() => program.backward(pass, g)).toThrow(/no tape/);
    expect(() => program.backward(program.forward({ x }, { tape: false }), g)).toThrow(/no tape/);
  });

  it('gives the same outputs and gradients on a second step (recycled buffers start clean)', () => {
    const { graph, output } = smallGraph();
    const program = compileTrainingGraph(graph, new Set(['w', 'bias', 'w2']));
    const x = randomTensor([2, 3, 5, 5], 4);
    const step = () => {
      const pass = program.forward({ x });
      const y = (pass.outputs[output] as QTensor).data;
      const grads = program.backward(pass, { [output]: randomTensor([2, 5], 5) });
      program.forward({ x }, { tape: false }); // recycles its own buffers at once
      return {
        y: Array.from(y),
        w: Array.from(grads.get('w') ?? []),
        w2: Array.from(grads.get('w2') ?? []),
      };
    };
    const first = step();
    // Fill the pool with NaN buffers of every small length: any unzeroed reuse would show.
    const dirty = Array.from({ length: 1200 }, (_, i) => new Float32Array(i + 1).fill(NaN));
    recycle(dirty, new Set());
    expect(step()).toEqual(first);
  });

  it('returns each gradient as its own array, even where one buffer fed two operands', () => {
    const b = new ModelBuilder();
    const x = b.input('x', 'float32', [2, 3]);
    const p = b.initializer('p', 'float32', [2, 3], randomTensor([2, 3], 1).data);
    const q = b.initializer('q', 'float32', [2, 3], randomTensor([2, 3], 2).data);
    const sum = b.op('Add', [p, q]); // Add's backward hands dL/dsum to both operands
    const y = b.op('Reshape', [
      b.op('Add', [sum, x]),
      b.initializer('s', 'int64', [1], BigInt64Array.of(6n)),
    ]);
    b.output(y, 'float32', [6]);
    const program = compileTrainingGraph(buildGraph(b.model(13)), new Set(['p', 'q', 'x']));
    const dy = randomTensor([6], 3);
    const want = Array.from(dy.data);
    const grads = program.backward(program.forward({ x: randomTensor([2, 3], 4) }), { [y]: dy });
    const arrays = ['p', 'q', 'x'].map((name) => grads.get(name) as Float32Array);
    expect(new Set([...arrays, dy.data]).size).toBe(4);
    for (const g of arrays) expect(Array.from(g)).toEqual(want);
    (arrays[0] as Float32Array).fill(0); // a caller summing into one must not change the others
    expect(Array.from(arrays[1] as Float32Array)).toEqual(want);
    expect(Array.from(dy.data)).toEqual(want);
  });

  it('returns zeros for a parameter no gradient reaches', () => {
    const { graph, output } = smallGraph();
    const program = compileTrainingGraph(graph, new Set(['w', 'w2']));
    const pass = program.forward({ x: randomTensor([2, 3, 5, 5], 4) });
    const grads = program.backward(pass, {});
    expect(Array.from(grads.get('w2') ?? [])).toEqual(new Array<number>(180).fill(0));
    expect(output).toBeTruthy();
  });

  it('fails with unsupported-op naming an op it lacks', () => {
    const { graph } = smallGraph();
    graph.addNode(
      makeNode({ opType: 'NonMaxSuppression', inputs: ['x'], outputs: ['nms'], name: 'nms_node' }),
    );
    let error: unknown;
    try {
      compileTrainingGraph(graph, new Set(['w'])); // fails at compile, before any step
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'unsupported-op')).toBe(true);
    expect(String(error)).toMatch(/NonMaxSuppression.*nms_node/);
  });
});

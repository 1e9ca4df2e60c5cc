// The HardSwish fusion: Paddle's Add -> Clip -> Mul -> Div chain becomes one node, whose
// outputs equal the four ops' bit for bit and whose gradients match theirs; a chain whose
// intermediate has another reader stays unfused.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { attr, buildGraph } from '../onnx/index.js';
import { compileTrainingGraph } from './executor.js';
import { fuseHardSwish } from './fuse.js';
import { randomTensor } from './grad-check.js';
import { tensor, type QTensor } from './tensor.js';

function hardSwishGraph(opset: number, extraReader: boolean) {
  const b = new ModelBuilder();
  const x = b.input('x', 'float32', [2, 3, 4, 5]);
  const w = b.initializer('w', 'float32', [3, 3, 1, 1], randomTensor([3, 3, 1, 1], 1).data);
  const conv = b.op('Conv', [x, w]);
  const add = b.op('Add', [conv, b.initializer('three', 'float32', [1], [3])]);
  const clip =
    opset < 11
      ? b.op('Clip', [add], [attr.float('min', 0), attr.float('max', 6)])
      : b.op('Clip', [
          add,
          b.initializer('lo', 'float32', [], [0]),
          b.initializer('hi', 'float32', [], [6]),
        ]);
  const mul = b.op('Mul', [clip, conv]);
  const div = b.op('Div', [mul, b.initializer('six', 'float32', [1], [6])]);
  const y = extraReader ? b.op('Add', [div, clip]) : div;
  b.output(y, 'float32');
  return { graph: buildGraph(b.model(opset)), y };
}

describe('fuseHardSwish', () => {
  it.each([9, 13])('fuses the opset-%i chain; outputs bit-equal, gradients equal', (opset) => {
    const { graph, y } = hardSwishGraph(opset, false);
    const x = randomTensor([2, 3, 4, 5], 2, 5);
    const g = { [y]: randomTensor([2, 3, 4, 5], 3) };
    const run = (fuse: boolean) => {
      const program = compileTrainingGraph(graph, new Set(['w']), { fuse });
      const pass = program.forward({ x });
      const out = Array.from((pass.outputs[y] as QTensor).data);
      return { out, dw: Array.from(program.backward(pass, g).get('w') ?? []) };
    };
    const fused = run(true);
    const plain = run(false);
    expect(fused.out).toEqual(plain.out);
    fused.dw.forEach((v, i) => expect(v).toBeCloseTo(plain.dw[i] as number, 5));
    const nodes = fuseHardSwish(
      graph.nodes.slice(0, 5),
      (n) =>
        n === 'three'
          ? tensor([1], Float32Array.of(3))
          : n === 'six'
            ? tensor([1], Float32Array.of(6))
            : n === 'lo'
              ? tensor([], Float32Array.of(0))
              : n === 'hi'
                ? tensor([], Float32Array.of(6))
                : undefined,
      [y],
      { opset },
    );
    expect(nodes.map((n) => n.opType)).toEqual(['Conv', 'FusedHardSwish']);
  });

  it('leaves a chain alone when an intermediate has another reader', () => {
    const { graph } = hardSwishGraph(9, true);
    const nodes = fuseHardSwish(
      graph.nodes,
      (n) =>
        n === 'three'
          ? tensor([1], Float32Array.of(3))
          : n === 'six'
            ? tensor([1], Float32Array.of(6))
            : undefined,
      [],
      { opset: 9 },
    );
    expect(nodes.map((n) => n.opType)).toEqual(['Conv', 'Add', 'Clip', 'Mul', 'Div', 'Add']);
  });
});

// LeakyRelu's forward and gradient: against central differences away from the kink, and the
// values at and around it (1 at zero, as PyTorch).
import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../onnx/index.js';
import { checkGradients, randomTensor } from './grad-check.js';
import { DIFF_OPS } from './op-registry.js';
import { tensor } from './tensor.js';

const node = makeNode({
  opType: 'LeakyRelu',
  inputs: ['x'],
  outputs: ['y'],
  attributes: [attr.float('alpha', 0.2)],
});
const op = DIFF_OPS.get('LeakyRelu')!;

describe('LeakyRelu', () => {
  it('gradient = central differences (alpha 0.2)', () => {
    const report = checkGradients(op, { node, inputs: [randomTensor([3, 7], 5, 2, 0.01)] });
    expect(report.checks).toBe(21);
    expect(report.worst).toBeLessThanOrEqual(1);
  });

  it('y and dy/dx at -1, 0, 2: alpha x, 0, x; alpha, 1, 1', () => {
    const x = tensor([3], Float32Array.from([-1, 0, 2]));
    const { outputs, saved } = op.forward([x], node, { opset: 17 });
    expect(Array.from((outputs[0] as ReturnType<typeof tensor>).data)).toEqual([
      Math.fround(-0.2),
      0,
      2,
    ]);
    const [dx] = op.backward([tensor([3], new Float32Array(3).fill(1))], saved, node, [true], {
      opset: 17,
    });
    expect(Array.from(dx!.data)).toEqual([Math.fround(0.2), 1, 1]);
  });
});

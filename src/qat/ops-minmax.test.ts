// Max and Min: gradients against central differences with a broadcast operand (no ties), and
// the tie rule (half to each, as torch.maximum).
import { describe, expect, it } from 'vitest';
import { makeNode } from '../onnx/index.js';
import { checkGradients, randomTensor } from './grad-check.js';
import { DIFF_OPS } from './op-registry.js';
import { tensor } from './tensor.js';

describe('Max and Min', () => {
  for (const opType of ['Max', 'Min']) {
    const node = makeNode({ opType, inputs: ['a', 'b'], outputs: ['y'] });
    const op = DIFF_OPS.get(opType)!;

    it(`${opType}: gradients = central differences, b broadcast over rows`, () => {
      const inputs = [randomTensor([4, 5], 3), randomTensor([1, 5], 4)];
      const report = checkGradients(op, { node, inputs });
      expect(report.checks).toBe(25);
      expect(report.worst).toBeLessThanOrEqual(1);
    });

    it(`${opType}: a tie sends half of the gradient to each operand`, () => {
      const x = [tensor([2], Float32Array.from([1, 3])), tensor([2], Float32Array.from([1, 2]))];
      const { saved } = op.forward(x, node, { opset: 17 });
      const g = tensor([2], Float32Array.from([1, 1]));
      const [ga, gb] = op.backward([g], saved, node, [true, true], { opset: 17 });
      expect(Array.from(ga!.data)).toEqual([0.5, opType === 'Max' ? 1 : 0]);
      expect(Array.from(gb!.data)).toEqual([0.5, opType === 'Max' ? 0 : 1]);
    });
  }
});

// Input checks of the normalizations that the gradient cases (ops.grad.test.ts) do not cover:
// a LayerNormalization Scale or B that neither matches the normalized values nor is one value.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { attr, makeNode } from '../onnx/index.js';
import { layerNormOp } from './ops-norm.js';
import { tensor, type QTensor } from './tensor.js';

const node = makeNode({
  opType: 'LayerNormalization',
  inputs: ['x', 'scale', 'b'],
  outputs: ['y'],
  name: 'ln',
  attributes: [attr.int('axis', -2)],
});
const x = tensor(
  [2, 3, 4],
  Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)),
);

describe('LayerNormalization inputs', () => {
  it('fails with bad-shape naming the node when Scale has neither 12 nor 1 values', () => {
    let error: unknown;
    try {
      layerNormOp.forward([x, tensor([4])], node, { opset: 17 });
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'bad-shape')).toBe(true);
    expect(String(error)).toMatch(/ln.*Scale of 4 values for 12/);
  });

  it('accepts a Scale and B over all normalized axes, and a single-value Scale', () => {
    for (const scale of [tensor([3, 4]), tensor([1])]) {
      scale.data.fill(2);
      const { outputs } = layerNormOp.forward([x, scale, tensor([3, 4])], node, { opset: 17 });
      const y = outputs[0]!;
      expect(y.shape).toEqual([2, 3, 4]);
      let sum = 0;
      for (let i = 0; i < 12; i++) sum += (y as QTensor).data[i]!;
      expect(Math.abs(sum)).toBeLessThan(1e-4); // each row's normalized values have mean 0
    }
  });
});

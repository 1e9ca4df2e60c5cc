// Slice's edge cases beyond the gradient cases (ops.grad.test.ts): negative steps reading
// backwards from the clamped end, and a zero step refused rather than sized as NaN.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { makeNode } from '../onnx/index.js';
import { LAYOUT_OPS } from './ops-layout.js';
import { intTensor, tensor, type QTensor } from './tensor.js';

const slice = new Map(LAYOUT_OPS).get('Slice')!;
const node = makeNode({
  opType: 'Slice',
  inputs: ['x', 's', 'e', 'a', 'p'],
  outputs: ['y'],
  name: 'sl',
});
const x = tensor([6], Float32Array.from([0, 1, 2, 3, 4, 5]));
const run = (start: number, end: number, step: number) =>
  slice.forward(
    [
      x,
      intTensor([1], [start]),
      intTensor([1], [end]),
      intTensor([1], [0]),
      intTensor([1], [step]),
    ],
    node,
    { opset: 13 },
  ).outputs[0] as QTensor;

describe('Slice', () => {
  it('a negative step walks back from the clamped start: [5:-7:-2] = 5, 3, 1', () => {
    expect(Array.from(run(5, -7, -2).data)).toEqual([5, 3, 1]);
    expect(Array.from(run(100, 0, -1).data)).toEqual([5, 4, 3, 2, 1]);
  });

  it('fails with bad-shape naming the node on a zero step', () => {
    let error: unknown;
    try {
      run(0, 6, 0);
    } catch (e) {
      error = e;
    }
    expect(isZeropointError(error, 'bad-shape')).toBe(true);
    expect(String(error)).toMatch(/sl.*step 0/);
  });
});

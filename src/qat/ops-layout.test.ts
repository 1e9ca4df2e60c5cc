// Slice's edge cases beyond the gradient cases (ops.grad.test.ts): negative steps reading
// backwards from the clamped end, and a zero step refused rather than sized as NaN.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { attr, makeNode } from '../onnx/index.js';
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

describe('DepthToSpace and SpaceToDepth', () => {
  const ops = new Map(LAYOUT_OPS);
  const shuffle = (op: string, input: QTensor, mode?: string) =>
    ops.get(op)!.forward(
      [input],
      makeNode({
        opType: op,
        inputs: ['x'],
        outputs: ['y'],
        name: op,
        attributes: [attr.int('blocksize', 2), ...(mode ? [attr.string('mode', mode)] : [])],
      }),
      { opset: 13 },
    ).outputs[0] as QTensor;
  const [c, h, w, b] = [3, 2, 3, 2];
  const x = tensor(
    [1, c * b * b, h, w],
    Float32Array.from({ length: c * b * b * h * w }, (_, i) => i),
  );

  it('moves pixels as Operators.md writes each mode', () => {
    for (const mode of ['CRD', 'DCR']) {
      const y = shuffle('DepthToSpace', x, mode);
      expect(y.shape).toEqual([1, c, h * b, w * b]);
      for (let k = 0; k < c; k++) {
        for (let r = 0; r < h * b; r++) {
          for (let q = 0; q < w * b; q++) {
            const [i, j] = [r % b, q % b];
            const channel = mode === 'CRD' ? k * b * b + i * b + j : (i * b + j) * c + k;
            const from = (channel * h + (r - i) / b) * w + (q - j) / b;
            expect(y.data[(k * h * b + r) * w * b + q]).toBe(from);
          }
        }
      }
    }
  });

  it('SpaceToDepth undoes DepthToSpace in DCR mode', () => {
    const back = shuffle('SpaceToDepth', shuffle('DepthToSpace', x, 'DCR'));
    expect(back.shape).toEqual(x.shape);
    expect(Array.from(back.data)).toEqual(Array.from(x.data));
  });
});

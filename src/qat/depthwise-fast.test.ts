// The WebAssembly depthwise conv (forward, dx, dw) against the reference loops of ops-conv.ts
// on the geometries the PP-OCR models use and awkward ones (strides, dilations, odd pads).
import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../onnx/index.js';
import { depthwiseForwardFast, setFastDepthwise } from './depthwise-fast.js';
import { randomTensor } from './grad-check.js';
import { convBackward, convForward, convPlan } from './ops-conv.js';

function worst(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (a === undefined || b === undefined || a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const CASES: [string, number[], number[], number[], number[], number[]][] = [
  // name, x shape, kernel, strides, dilations, pads
  ['5x5 pad 2 (PP-OCR)', [2, 6, 9, 13], [5, 5], [1, 1], [1, 1], [2, 2, 2, 2]],
  ['3x3 stride (2,1) (PP-OCR downsampling)', [2, 4, 8, 11], [3, 3], [2, 1], [1, 1], [1, 1, 1, 1]],
  ['3x3 stride 2 both axes', [1, 3, 9, 10], [3, 3], [2, 2], [1, 1], [1, 1, 1, 1]],
  ['3x2 dilation 2, asymmetric pads', [1, 3, 10, 9], [3, 2], [1, 1], [2, 2], [1, 0, 2, 3]],
];

describe('depthwise conv through WebAssembly equals the reference loops', () => {
  it.each(CASES)('%s', (_name, xShape, kernel, strides, dilations, pads) => {
    const channels = xShape[1] as number;
    const node = makeNode({
      opType: 'Conv',
      inputs: ['x', 'w'],
      outputs: ['y'],
      attributes: [
        attr.int('group', channels),
        attr.ints('strides', strides),
        attr.ints('dilations', dilations),
        attr.ints('pads', pads),
      ],
    });
    const x = randomTensor(xShape, 1).data;
    const w = randomTensor([channels, 1, ...kernel], 2).data;
    const plan = convPlan(node, xShape, [channels, 1, ...kernel]);
    const dy = randomTensor([...plan.geometry.outShape], 3).data;
    expect(depthwiseForwardFast(plan.geometry, x, w)).toBeDefined(); // the wasm path ran
    const fast = {
      y: convForward(plan, x, w, undefined),
      grads: convBackward(plan, x, w, dy, [true, true, false]),
    };
    const before = setFastDepthwise(false);
    const slow = {
      y: convForward(plan, x, w, undefined),
      grads: convBackward(plan, x, w, dy, [true, true, false]),
    };
    setFastDepthwise(before);
    expect(worst(fast.y, slow.y)).toBeLessThan(1e-5);
    expect(worst(fast.grads[0], slow.grads[0])).toBeLessThan(1e-5);
    expect(worst(fast.grads[1], slow.grads[1])).toBeLessThan(1e-4);
  });
});

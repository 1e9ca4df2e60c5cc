// Edge cases of the binary ops that the finite-difference and PyTorch cases (ops.grad.test.ts,
// ops.torch.test.ts) cannot reach: Pow's gradients at a zero base or exponent, which follow
// torch's masks instead of giving 0 * Inf = NaN.
import { describe, expect, it } from 'vitest';
import { makeNode } from '../onnx/index.js';
import { BINARY_OPS } from './ops-binary.js';
import { tensor } from './tensor.js';

const pow = new Map(BINARY_OPS).get('Pow')!;
const node = makeNode({ opType: 'Pow', inputs: ['a', 'b'], outputs: ['y'] });

function powGrads(a: number[], b: number[]): [number[], number[]] {
  const inputs = [
    tensor([a.length], Float32Array.from(a)),
    tensor([b.length], Float32Array.from(b)),
  ];
  const { saved } = pow.forward(inputs, node, { opset: 17 });
  const g = tensor([a.length], new Float32Array(a.length).fill(1));
  const [da, db] = pow.backward([g], saved, node, [true, true], { opset: 17 });
  return [Array.from(da!.data), Array.from(db!.data)];
}

describe('Pow gradients at zero', () => {
  it('d/da of a^0 is 0 and d/db of 0^b (b >= 0) is 0, as torch gives', () => {
    const [da, db] = powGrads([0, 0, 0, 2], [0, 2, 0.5, 3]);
    expect(da.slice(0, 2)).toEqual([0, 0]); // 0 * 0^-1 and 2 * 0^1
    expect(da[2]).toBe(Infinity); // 0.5 * 0^-0.5: torch gives inf too
    expect(da[3]).toBeCloseTo(12, 5);
    expect(db.slice(0, 3)).toEqual([0, 0, 0]);
    expect(db[3]).toBeCloseTo(8 * Math.log(2), 5);
  });

  it('a negative exponent at a zero base is not masked: d/db = inf * log 0 = -inf, as torch', () => {
    const [, db] = powGrads([0], [-1]);
    expect(db[0]).toBe(-Infinity);
  });
});

// A small MobileNetV3-style block with a depthwise conv of 24 channels (not a multiple of 16),
// for the channel-padding pass's tests: pointwise conv, hard-swish written as Add/Clip/Mul/Div,
// depthwise conv, squeeze-excite (GlobalAveragePool, two 1x1 convs, HardSigmoid, Mul) and a
// pointwise conv out. `tail` adds a read of the depthwise output by another op (a Slice case).
import { attr } from '../../src/onnx/graph-node.js';
import { GraphBuilder } from './graph-builder.js';

const wave = (n: number, f: number, scale = 1) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * scale);

/** The block's model; input x [1, 4, 8, 8], output y [1, 8, 8, 8] (and z with `tail`). */
export function depthwiseBlock(tail: 'none' | 'transpose' | 'input' = 'none') {
  const b = new GraphBuilder();
  const C = 24;
  const x = b.input('x', 'float32', [1, 4, 8, 8]);
  const pw = b.op('Conv', [
    x,
    b.initializer('w_pw', 'float32', [C, 4, 1, 1], wave(C * 4, 0.7, 0.5)),
    b.initializer('b_pw', 'float32', [C], wave(C, 1.3, 0.2)),
  ]);
  const scalar = (name: string, v: number) => b.initializer(name, 'float32', [], [v]);
  const hardSwish = (v: string) => {
    const clip = b.op('Clip', [
      b.op('Add', [v, scalar(`three_${v}`, 3)]),
      scalar(`lo_${v}`, 0),
      scalar(`hi_${v}`, 6),
    ]);
    return b.op('Div', [b.op('Mul', [v, clip]), scalar(`six_${v}`, 6)]);
  };
  const dwIn = tail === 'input' ? x : hardSwish(pw);
  const channels = tail === 'input' ? 4 : C;
  const dw = b.op(
    'Conv',
    [
      dwIn,
      b.initializer('w_dw', 'float32', [channels, 1, 3, 3], wave(channels * 9, 0.41)),
      b.initializer('b_dw', 'float32', [channels], wave(channels, 0.9, 0.1)),
    ],
    [attr.int('group', channels), attr.ints('pads', [1, 1, 1, 1])],
  );
  if (tail === 'input') {
    b.output(dw, 'float32', [1, 4, 8, 8]);
    return b.model();
  }
  const act = hardSwish(dw);
  const squeeze = b.op('Relu', [
    b.op('Conv', [
      b.op('GlobalAveragePool', [act]),
      b.initializer('w_sq', 'float32', [6, C, 1, 1], wave(6 * C, 0.23, 0.3)),
      b.initializer('b_sq', 'float32', [6], wave(6, 2.1, 0.1)),
    ]),
  ]);
  const excite = b.op('Conv', [
    squeeze,
    b.initializer('w_ex', 'float32', [C, 6, 1, 1], wave(6 * C, 0.61, 0.3)),
    b.initializer('b_ex', 'float32', [C], wave(C, 1.7, 0.2)),
  ]);
  const gate = b.op('HardSigmoid', [excite], [attr.float('alpha', 1 / 6)]);
  const scaled = b.op('Mul', [
    act,
    b.op('Mul', [gate, b.initializer('g', 'float32', [C, 1, 1], wave(C, 0.5))]),
  ]);
  const y = b.op('Conv', [
    scaled,
    b.initializer('w_out', 'float32', [8, C, 1, 1], wave(8 * C, 0.33, 0.4)),
    b.initializer('b_out', 'float32', [8], wave(8, 0.8, 0.1)),
  ]);
  b.output(y, 'float32', [1, 8, 8, 8]);
  if (tail === 'transpose') b.output(b.op('Transpose', [act], [attr.ints('perm', [0, 2, 3, 1])]));
  return b.model();
}

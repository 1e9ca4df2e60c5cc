// LeakyRelu (Operators.md LeakyRelu-16: y = x for x >= 0, alpha x below; alpha 0.01 by default)
// with its gradient (alpha below 0, 1 at and above 0, as PyTorch's leaky_relu_backward), for
// openWakeWord's embedding model. Its own file beside ops-unary.ts, whose loops are area E's.
import { attrFloat } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import { allocFloat, floatInput, tensor, type QTensor } from './tensor.js';

/** LeakyRelu: y[i] = x[i] >= 0 ? x[i] : alpha x[i]; dx = g (1 or alpha). */
export const leakyReluOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const alpha = attrFloat(node, 'alpha', 0.01);
    const y = allocFloat(x.data.length);
    for (let i = 0; i < y.length; i++) {
      const v = x.data[i]!;
      y[i] = v >= 0 ? v : alpha * v;
    }
    return { outputs: [tensor(x.shape, y)], saved: x };
  },
  backward(gradOutputs, saved, node, needs) {
    const g = gradOutputs[0];
    if (g === undefined || needs[0] !== true) return [undefined];
    const x = saved as QTensor;
    const alpha = attrFloat(node, 'alpha', 0.01);
    const dx = allocFloat(x.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = x.data[i]! >= 0 ? g.data[i]! : alpha * g.data[i]!;
    return [tensor(g.shape, dx)];
  },
};

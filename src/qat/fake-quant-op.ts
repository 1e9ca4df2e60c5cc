// The FakeQuant node of training graphs (domain zeropoint.qat) as a differentiable op:
// inputs (x, scale, zero_point), all float32; attributes qmin, qmax, axis, block_size and
// learn_zero_point. A rank-0 scale is per tensor, a 1-D one per axis, block_size > 0 per block
// (scale shaped like x with the axis divided into blocks). Not the arithmetic (fake-quant.ts).
import { fail, type Granularity } from '../core/index.js';
import { attrInt, nodeLabel } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import { fakeQuantBackward, fakeQuantForward, type FakeQuantSpec } from './fake-quant.js';
import { floatInput, tensor, type GraphNode, type QTensor } from './tensor.js';

/** The op type and domain of fake-quant nodes in training graphs. */
export const FAKE_QUANT = Object.freeze({ opType: 'FakeQuant', domain: 'zeropoint.qat' });

/** The spec a FakeQuant node's attributes and its scale's shape describe. */
export function fakeQuantSpecOf(node: GraphNode, x: QTensor, scale: QTensor): FakeQuantSpec {
  const qmin = attrInt(node, 'qmin', undefined);
  const qmax = attrInt(node, 'qmax', undefined);
  if (qmin === undefined || qmax === undefined || qmin >= qmax) {
    fail('bad-model', `FakeQuant '${nodeLabel(node)}' needs qmin < qmax`, {
      node: nodeLabel(node),
    });
  }
  const axis = attrInt(node, 'axis', 1);
  const blockSize = attrInt(node, 'block_size', 0);
  const granularity: Granularity =
    blockSize > 0
      ? { kind: 'per-block', axis, blockSize }
      : scale.shape.length === 0
        ? { kind: 'per-tensor' }
        : { kind: 'per-axis', axis: axis < 0 ? axis + x.shape.length : axis };
  return { qmin, qmax, granularity, learnZeroPoint: attrInt(node, 'learn_zero_point', 0) === 1 };
}

interface Saved {
  readonly x: QTensor;
  readonly scale: QTensor;
  readonly zeroPoint: QTensor;
  readonly spec: FakeQuantSpec;
}

/** FakeQuant: y = fake-quant(x); gradients as fakeQuantBackward documents. */
export const fakeQuantOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const scale = floatInput(inputs, 1, node);
    const zeroPoint = floatInput(inputs, 2, node);
    const spec = fakeQuantSpecOf(node, x, scale);
    const y = fakeQuantForward(x.data, x.shape, spec, scale.data, zeroPoint.data);
    const saved: Saved = { x, scale, zeroPoint, spec };
    return { outputs: [tensor(x.shape, y)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const { x, scale, zeroPoint, spec } = saved as Saved;
    const dy = gradOutputs[0];
    if (dy === undefined) return needs.map(() => undefined);
    const grads = fakeQuantBackward(x.data, x.shape, spec, scale.data, zeroPoint.data, dy.data, {
      x: needs[0] === true,
      scale: needs[1] === true,
      zeroPoint: needs[2] === true,
    });
    return [
      grads.x === undefined ? undefined : tensor(x.shape, grads.x),
      grads.scale === undefined ? undefined : tensor(scale.shape, grads.scale),
      grads.zeroPoint === undefined ? undefined : tensor(zeroPoint.shape, grads.zeroPoint),
    ];
  },
};

/** The op type and domain of the training graph's stop-gradient (identity forward). */
export const STOP_GRADIENT = Object.freeze({ opType: 'StopGradient', domain: 'zeropoint.qat' });

/**
 * Identity forward, no gradient back: a bias's int32 grid follows the learned scales
 * (s_in x s_w) without LSQ's bias-grid term, which is negligible inside the range, reaching them
 * (training-graph.ts).
 */
export const stopGradientOp: DiffOp = {
  forward: (inputs) => ({ outputs: inputs[0] === undefined ? [] : [inputs[0]] }),
  backward: (_gradOutputs, _saved, _node, needs) => needs.map(() => undefined),
};

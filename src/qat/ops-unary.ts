// Elementwise activations and math with gradients: Relu, Sigmoid, Tanh, HardSigmoid, HardSwish,
// Clip (attribute form before opset 11, inputs after), Sqrt, Exp, Log, Neg, Abs, Erf, Identity,
// Dropout (inference: identity). Gradients at kinks follow PyTorch (Relu 0 at 0, Clip 1 at
// its bounds). Not binary arithmetic (ops-binary.ts).
import { attrFloat } from '../onnx/index.js';
import type { DiffOp, OpContext } from './diff-op.js';
import { allocFloat, floatInput, isInt, tensor, type GraphNode, type QTensor } from './tensor.js';

interface Saved {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly lo: number;
  readonly hi: number;
}

/** erf(x) to about 1e-7 (Numerical Recipes' erfc Chebyshev fit, float64). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

type Forward = (x: number, lo: number, hi: number) => number;
type Backward = (x: number, y: number, lo: number, hi: number) => number;

/** The clip bounds of a Clip node: attributes before opset 11, optional inputs after. */
function clipBounds(
  inputs: readonly unknown[],
  node: GraphNode,
  context: OpContext,
): [number, number] {
  if (context.opset < 11) {
    return [attrFloat(node, 'min', -Infinity), attrFloat(node, 'max', Infinity)];
  }
  const bound = (i: number, fallback: number): number => {
    const v = inputs[i] as QTensor | undefined;
    return v === undefined ? fallback : (v.data[0] as number);
  };
  return [bound(1, -Infinity), bound(2, Infinity)];
}

function unary(
  forwardFn: Forward,
  backwardFn: Backward,
  params: (
    inputs: readonly unknown[],
    node: GraphNode,
    context: OpContext,
  ) => [number, number] = () => [0, 0],
): DiffOp {
  return {
    forward(inputs, node, context) {
      const input = inputs[0];
      const x = floatInput(inputs, 0, node);
      const [lo, hi] = params(inputs, node, context);
      const y = allocFloat(x.data.length);
      const xd = x.data;
      for (let i = 0; i < xd.length; i++) y[i] = forwardFn(xd[i] as number, lo, hi);
      const saved: Saved = { x: xd, y, lo, hi };
      return {
        outputs: [tensor(x.shape, y)],
        saved: input !== undefined && !isInt(input) ? saved : undefined,
      };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined || needs[0] !== true) return [undefined];
      const { x, y, lo, hi } = saved as Saved;
      const gx = allocFloat(x.length);
      const gd = g.data;
      for (let i = 0; i < x.length; i++) {
        gx[i] = (gd[i] as number) * backwardFn(x[i] as number, y[i] as number, lo, hi);
      }
      return [tensor(g.shape, gx)];
    },
  };
}

function alphaBeta(alpha: number, beta: number) {
  return (_inputs: readonly unknown[], node: GraphNode): [number, number] => [
    attrFloat(node, 'alpha', alpha),
    attrFloat(node, 'beta', beta),
  ];
}

/** Passes its input through; gradient passes through too. */
export const identityOp: DiffOp = {
  forward: (inputs) => ({ outputs: inputs[0] === undefined ? [] : [inputs[0]] }),
  backward: (gradOutputs, _saved, _node, needs) => [needs[0] === true ? gradOutputs[0] : undefined],
};

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The elementwise ops, by ONNX op type. */
export const UNARY_OPS: readonly (readonly [string, DiffOp])[] = [
  [
    'Relu',
    unary(
      (x) => (x > 0 ? x : 0),
      (x) => (x > 0 ? 1 : 0),
    ),
  ],
  [
    'Sigmoid',
    unary(
      (x) => 1 / (1 + Math.exp(-x)),
      (_x, y) => y * (1 - y),
    ),
  ],
  [
    'Tanh',
    unary(
      (x) => Math.tanh(x),
      (_x, y) => 1 - y * y,
    ),
  ],
  // HardSigmoid-6: y = max(0, min(1, alpha x + beta)), alpha 0.2, beta 0.5.
  [
    'HardSigmoid',
    unary(
      (x, a, b) => Math.max(0, Math.min(1, a * x + b)),
      (x, _y, a, b) => (a * x + b > 0 && a * x + b < 1 ? a : 0),
      alphaBeta(0.2, 0.5),
    ),
  ],
  // HardSwish-14: y = x max(0, min(1, x/6 + 1/2)); PyTorch's gradient x/3 + 1/2 on [-3, 3].
  [
    'HardSwish',
    unary(
      (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)),
      (x) => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1),
    ),
  ],
  [
    'Clip',
    unary(
      (x, lo, hi) => Math.min(hi, Math.max(lo, x)),
      (x, _y, lo, hi) => (x >= lo && x <= hi ? 1 : 0),
      clipBounds,
    ),
  ],
  [
    'Sqrt',
    unary(
      (x) => Math.sqrt(x),
      (_x, y) => 0.5 / y,
    ),
  ],
  [
    'Exp',
    unary(
      (x) => Math.exp(x),
      (_x, y) => y,
    ),
  ],
  [
    'Log',
    unary(
      (x) => Math.log(x),
      (x) => 1 / x,
    ),
  ],
  [
    'Neg',
    unary(
      (x) => -x,
      () => -1,
    ),
  ],
  [
    'Abs',
    unary(
      (x) => Math.abs(x),
      (x) => Math.sign(x),
    ),
  ],
  [
    'Reciprocal',
    unary(
      (x) => 1 / x,
      (_x, y) => -y * y,
    ),
  ],
  ['Erf', unary(erf, (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x))],
  ['Identity', identityOp],
  ['Dropout', identityOp],
];

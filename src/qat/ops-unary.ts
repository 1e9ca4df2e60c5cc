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

/** erf(x) to float64 precision: its Taylor series below |x| = 3, 1 - erfc (Lentz's continued fraction) above. */
export function erf(x: number): number {
  const z = Math.abs(x);
  if (Number.isNaN(x)) return x;
  if (z < 3) {
    // erf x = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = z;
    let sum = z;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * TWO_OVER_SQRT_PI * sum;
  }
  if (z > 6) return Math.sign(x);
  // erfc z = exp(-z^2)/sqrt(pi) * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), modified Lentz.
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = z + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = z + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

type F = Float32Array;
/** y[i] = f(x[i]) over the whole array; lo and hi are the op's two parameters. */
type Forward = (x: F, y: F, lo: number, hi: number) => void;
/** dx[i] = g[i] f'(x[i]) (y = f(x) given too). */
type Backward = (x: F, y: F, g: F, dx: F, lo: number, hi: number) => void;

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
      forwardFn(xd, y, lo, hi);
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
      backwardFn(x, y, g.data, gx, lo, hi);
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

// Each loop is written out per op so the engine compiles it alone (one shared loop calling a
// per-op closure runs several times slower once it has seen a few of them).
const n = (v: number | undefined): number => v as number;

/** The elementwise ops, by ONNX op type. */
export const UNARY_OPS: readonly (readonly [string, DiffOp])[] = [
  [
    'Relu',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = n(x[i]) > 0 ? n(x[i]) : 0;
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(x[i]) > 0 ? n(g[i]) : 0;
      },
    ),
  ],
  [
    'Sigmoid',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-n(x[i])));
      },
      (x, y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(g[i]) * n(y[i]) * (1 - n(y[i]));
      },
    ),
  ],
  [
    'Tanh',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.tanh(n(x[i]));
      },
      (x, y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(g[i]) * (1 - n(y[i]) * n(y[i]));
      },
    ),
  ],
  // HardSigmoid-6: y = max(0, min(1, alpha x + beta)), alpha 0.2, beta 0.5.
  [
    'HardSigmoid',
    unary(
      (x, y, a, b) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.max(0, Math.min(1, a * n(x[i]) + b));
      },
      (x, _y, g, dx, a, b) => {
        for (let i = 0; i < x.length; i++) {
          const v = a * n(x[i]) + b;
          dx[i] = v > 0 && v < 1 ? a * n(g[i]) : 0;
        }
      },
      alphaBeta(0.2, 0.5),
    ),
  ],
  // HardSwish-14: y = x max(0, min(1, x/6 + 1/2)); PyTorch's gradient x/3 + 1/2 on [-3, 3].
  [
    'HardSwish',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++)
          y[i] = n(x[i]) * Math.max(0, Math.min(1, n(x[i]) / 6 + 0.5));
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++) {
          const v = n(x[i]);
          dx[i] = n(g[i]) * (v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1);
        }
      },
    ),
  ],
  [
    'Clip',
    unary(
      (x, y, lo, hi) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.min(hi, Math.max(lo, n(x[i])));
      },
      (x, _y, g, dx, lo, hi) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(x[i]) >= lo && n(x[i]) <= hi ? n(g[i]) : 0;
      },
      clipBounds,
    ),
  ],
  [
    'Sqrt',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(n(x[i]));
      },
      (x, y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = (0.5 * n(g[i])) / n(y[i]);
      },
    ),
  ],
  [
    'Exp',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.exp(n(x[i]));
      },
      (x, y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(g[i]) * n(y[i]);
      },
    ),
  ],
  [
    'Log',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.log(n(x[i]));
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(g[i]) / n(x[i]);
      },
    ),
  ],
  [
    'Neg',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = -n(x[i]);
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = -n(g[i]);
      },
    ),
  ],
  [
    'Abs',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = Math.abs(n(x[i]));
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = n(g[i]) * Math.sign(n(x[i]));
      },
    ),
  ],
  [
    'Reciprocal',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = 1 / n(x[i]);
      },
      (x, y, g, dx) => {
        for (let i = 0; i < x.length; i++) dx[i] = -n(g[i]) * n(y[i]) * n(y[i]);
      },
    ),
  ],
  [
    'Erf',
    unary(
      (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = erf(n(x[i]));
      },
      (x, _y, g, dx) => {
        for (let i = 0; i < x.length; i++)
          dx[i] = n(g[i]) * TWO_OVER_SQRT_PI * Math.exp(-n(x[i]) * n(x[i]));
      },
    ),
  ],
  ['Identity', identityOp],
  ['Dropout', identityOp],
];

// The generic gradient checker: runs one op in float64 (withFloat64), takes the loss
// L = sum over outputs of <r, y> for fixed pseudo-random r, and compares the op's backward
// against central finite differences of L for every element of every float input asked for.
// For tests (ops, fake-quant); not used in training. Not PyTorch comparison (fixture tests).
import { seededRandom } from '../core/index.js';
import type { DiffOp, OpContext } from './diff-op.js';
import {
  allocFloat,
  isInt,
  tensor,
  withFloat64,
  type GraphNode,
  type QTensor,
  type Value,
} from './tensor.js';

/** One op application to check. */
export interface GradCase {
  readonly node: GraphNode;
  readonly inputs: readonly (Value | undefined)[];
  /** Default-domain opset the op sees (default 17). */
  readonly opset?: number;
  /** Inputs to differentiate (default: every float input). */
  readonly wrt?: readonly number[];
}

/** The worst disagreement of a check and how many derivatives it compared. */
export interface GradReport {
  /** max |analytic - numeric| / (atol + rtol |numeric|); <= 1 passes. */
  readonly worst: number;
  readonly where: string;
  readonly checks: number;
}

/** A deterministic pseudo-random stream in [-1, 1) (core's seededRandom, rescaled). */
export function randoms(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

/** A float tensor of `shape` with pseudo-random values in [-scale, scale) plus `offset`. */
export function randomTensor(
  shape: readonly number[],
  seed: number,
  scale = 1,
  offset = 0,
): QTensor {
  const next = randoms(seed);
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = next() * scale + offset;
  return t;
}

function toFloat64(value: Value | undefined): Value | undefined {
  if (value === undefined || isInt(value)) return value;
  const data = allocFloat(value.data.length);
  data.set(value.data);
  return tensor(value.shape, data);
}

/** Compares `op`'s backward against central differences (step `eps`) in float64. */
export function checkGradients(
  op: DiffOp,
  c: GradCase,
  eps = 1e-6,
  atol = 1e-6,
  rtol = 1e-5,
): GradReport {
  return withFloat64(() => {
    const context: OpContext = { opset: c.opset ?? 17 };
    const inputs = c.inputs.map(toFloat64);
    const loss = (): number => {
      const { outputs } = op.forward(inputs, c.node, context);
      let sum = 0;
      outputs.forEach((y, o) => {
        if (y === undefined || isInt(y)) return;
        const r = randoms(1000 + o);
        for (let i = 0; i < y.data.length; i++) sum += r() * (y.data[i] as number);
      });
      return sum;
    };
    const { outputs, saved } = op.forward(inputs, c.node, context);
    const gradOutputs = outputs.map((y, o) => {
      if (y === undefined || isInt(y)) return undefined;
      const r = randoms(1000 + o);
      const g = allocFloat(y.data.length);
      for (let i = 0; i < g.length; i++) g[i] = r();
      return tensor(y.shape, g);
    });
    const wrt = c.wrt ?? inputs.flatMap((v, i) => (v !== undefined && !isInt(v) ? [i] : []));
    const needs = inputs.map((_, i) => wrt.includes(i));
    const analytic = op.backward(gradOutputs, saved, c.node, needs, context);
    let worst = 0;
    let where = '';
    let checks = 0;
    for (const i of wrt) {
      const x = inputs[i] as QTensor;
      const got = analytic[i];
      for (let e = 0; e < x.data.length; e++) {
        const keep = x.data[e] as number;
        x.data[e] = keep + eps;
        const up = loss();
        x.data[e] = keep - eps;
        const down = loss();
        x.data[e] = keep;
        const numeric = (up - down) / (2 * eps);
        const value = got === undefined ? 0 : (got.data[e] as number);
        const ratio = Math.abs(value - numeric) / (atol + rtol * Math.abs(numeric));
        checks++;
        if (!(ratio <= worst)) {
          worst = Number.isNaN(ratio) ? Infinity : ratio;
          where = `input ${i} element ${e}: analytic ${value}, numeric ${numeric}`;
        }
      }
    }
    return { worst, where, checks };
  });
}

// Broadcasting binary arithmetic with gradients: Add, Sub, Mul, Div, Pow (Operators.md, each
// op's -7/-13/-14 form; integer operands, as in shape arithmetic, use integer semantics and get
// no gradient). Operands that broadcast are expanded first so every loop is a flat zip.
// Not comparisons or Where (ops-select.ts).
import { sizeOf } from '../core/index.js';
import { broadcastIndex, broadcastShapes, expandTo, reduceTo } from './broadcast.js';
import type { DiffOp } from './diff-op.js';
import { allocFloat, floatInput, isInt, tensor, type IntTensor, type QTensor } from './tensor.js';

type Kind = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow';

interface Saved {
  readonly a: QTensor;
  readonly b: QTensor;
  readonly y: Float32Array;
  readonly out: readonly number[];
}

/** y = a op b elementwise; sa / sb are 0 for a one-element operand (read at 0), else 1. */
function forwardFloat(
  kind: Kind,
  a: Float32Array,
  sa: number,
  b: Float32Array,
  sb: number,
  size: number,
): Float32Array {
  const y = allocFloat(size);
  switch (kind) {
    case 'Add':
      for (let i = 0; i < size; i++) y[i] = (a[i * sa] as number) + (b[i * sb] as number);
      break;
    case 'Sub':
      for (let i = 0; i < size; i++) y[i] = (a[i * sa] as number) - (b[i * sb] as number);
      break;
    case 'Mul':
      for (let i = 0; i < size; i++) y[i] = (a[i * sa] as number) * (b[i * sb] as number);
      break;
    case 'Div':
      for (let i = 0; i < size; i++) y[i] = (a[i * sa] as number) / (b[i * sb] as number);
      break;
    case 'Pow':
      for (let i = 0; i < size; i++) y[i] = Math.pow(a[i * sa] as number, b[i * sb] as number);
      break;
  }
  return y;
}

/** An operand ready for a flat loop over `out`: itself with stride 0 when it has one element. */
function operand(t: QTensor, out: readonly number[]): [Float32Array, number] {
  if (t.data.length === 1) return [t.data, 0];
  return [expandTo(t.data, t.shape, out), 1];
}

// Integer arithmetic (shape computations): Div truncates toward zero as onnxruntime does.
function forwardInt(kind: Kind, a: IntTensor, b: IntTensor, out: number[]): IntTensor {
  const x = expandInts(a, out);
  const z = expandInts(b, out);
  const y = new Float64Array(x.length);
  for (let i = 0; i < y.length; i++) {
    const p = x[i] as number;
    const q = z[i] as number;
    if (kind === 'Add') y[i] = p + q;
    else if (kind === 'Sub') y[i] = p - q;
    else if (kind === 'Mul') y[i] = p * q;
    else if (kind === 'Div') y[i] = Math.trunc(p / q);
    else y[i] = Math.pow(p, q);
  }
  return { shape: out, ints: y, dtype: a.dtype };
}

/** An integer tensor's values broadcast to shape `out`. */
export function expandInts(value: IntTensor, out: readonly number[]): Float64Array {
  const size = sizeOf(out);
  if (value.ints.length === size) return value.ints;
  const index = broadcastIndex(out, value.shape);
  return Float64Array.from(index, (at) => value.ints[at] as number);
}

function binary(kind: Kind): DiffOp {
  return {
    forward(inputs, node) {
      const [a, b] = inputs;
      if (a !== undefined && b !== undefined && isInt(a) && isInt(b)) {
        return { outputs: [forwardInt(kind, a, b, broadcastShapes([a.shape, b.shape], node))] };
      }
      const x = floatInput(inputs, 0, node);
      const z = floatInput(inputs, 1, node);
      const out = broadcastShapes([x.shape, z.shape], node);
      const size = sizeOf(out);
      const [xa, sx] = operand(x, out);
      const [za, sz] = operand(z, out);
      const y = forwardFloat(kind, xa, sx, za, sz, size);
      const saved: Saved = { a: x, b: z, y, out };
      return { outputs: [tensor(out, y)], saved };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined) return [undefined, undefined];
      const { a, b, y, out } = saved as Saved;
      const size = g.data.length;
      const gd = g.data;
      let ga: Float32Array | undefined;
      let gb: Float32Array | undefined;
      const additive = kind === 'Add' || kind === 'Sub';
      const [ae, sa] = additive ? [a.data, 1] : operand(a, out);
      const [be, sb] = additive ? [b.data, 1] : operand(b, out);
      // One loop per kind and operand, so each stays a tight loop.
      if (needs[0] === true) {
        if (additive) ga = gd;
        else {
          ga = allocFloat(size);
          if (kind === 'Mul')
            for (let i = 0; i < size; i++) ga[i] = (gd[i] as number) * (be[i * sb] as number);
          else if (kind === 'Div')
            for (let i = 0; i < size; i++) ga[i] = (gd[i] as number) / (be[i * sb] as number);
          else {
            // As torch's pow_backward_self: 0 where the exponent is 0 (not 0 * 0^-1 = NaN).
            for (let i = 0; i < size; i++) {
              const bi = be[i * sb] as number;
              ga[i] =
                bi === 0 ? 0 : (gd[i] as number) * bi * Math.pow(ae[i * sa] as number, bi - 1);
            }
          }
        }
      }
      if (needs[1] === true) {
        if (kind === 'Add') gb = gd;
        else {
          gb = allocFloat(size);
          if (kind === 'Sub') for (let i = 0; i < size; i++) gb[i] = -(gd[i] as number);
          else if (kind === 'Mul')
            for (let i = 0; i < size; i++) gb[i] = (gd[i] as number) * (ae[i * sa] as number);
          else if (kind === 'Div') {
            for (let i = 0; i < size; i++)
              gb[i] = (-(gd[i] as number) * (y[i] as number)) / (be[i * sb] as number);
          } else {
            // As torch's pow_backward_exponent: 0 where the base is 0 and the exponent >= 0
            // (y = 0 there, and 0 * log 0 would be NaN).
            for (let i = 0; i < size; i++) {
              const ai = ae[i * sa] as number;
              gb[i] =
                ai === 0 && (be[i * sb] as number) >= 0
                  ? 0
                  : (gd[i] as number) * (y[i] as number) * Math.log(ai);
            }
          }
        }
      }
      return [
        ga === undefined ? undefined : tensor(a.shape, reduceTo(ga, out, a.shape)),
        gb === undefined ? undefined : tensor(b.shape, reduceTo(gb, out, b.shape)),
      ];
    },
  };
}

/** Add, Sub, Mul, Div and Pow, each broadcasting (float with gradients, integer without). */
export const BINARY_OPS: readonly (readonly [string, DiffOp])[] = (
  ['Add', 'Sub', 'Mul', 'Div', 'Pow'] as const
).map((kind) => [kind, binary(kind)] as const);

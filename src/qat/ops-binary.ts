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

function forwardFloat(kind: Kind, a: Float32Array, b: Float32Array, size: number): Float32Array {
  const y = allocFloat(size);
  switch (kind) {
    case 'Add':
      for (let i = 0; i < size; i++) y[i] = (a[i] as number) + (b[i] as number);
      break;
    case 'Sub':
      for (let i = 0; i < size; i++) y[i] = (a[i] as number) - (b[i] as number);
      break;
    case 'Mul':
      for (let i = 0; i < size; i++) y[i] = (a[i] as number) * (b[i] as number);
      break;
    case 'Div':
      for (let i = 0; i < size; i++) y[i] = (a[i] as number) / (b[i] as number);
      break;
    case 'Pow':
      for (let i = 0; i < size; i++) y[i] = Math.pow(a[i] as number, b[i] as number);
      break;
  }
  return y;
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
      const y = forwardFloat(
        kind,
        expandTo(x.data, x.shape, out),
        expandTo(z.data, z.shape, out),
        size,
      );
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
      const ae = kind === 'Add' || kind === 'Sub' ? a.data : expandTo(a.data, a.shape, out);
      const be = kind === 'Add' || kind === 'Sub' ? b.data : expandTo(b.data, b.shape, out);
      if (needs[0] === true) {
        if (kind === 'Add' || kind === 'Sub') ga = gd;
        else {
          ga = allocFloat(size);
          for (let i = 0; i < size; i++) {
            const gi = gd[i] as number;
            const bi = be[i] as number;
            ga[i] =
              kind === 'Mul'
                ? gi * bi
                : kind === 'Div'
                  ? gi / bi
                  : gi * bi * Math.pow(ae[i] as number, bi - 1);
          }
        }
      }
      if (needs[1] === true) {
        if (kind === 'Add') gb = gd;
        else {
          gb = allocFloat(size);
          for (let i = 0; i < size; i++) {
            const gi = gd[i] as number;
            gb[i] =
              kind === 'Sub'
                ? -gi
                : kind === 'Mul'
                  ? gi * (ae[i] as number)
                  : kind === 'Div'
                    ? (-gi * (y[i] as number)) / (be[i] as number)
                    : gi * (y[i] as number) * Math.log(ae[i] as number);
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

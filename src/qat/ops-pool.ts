// Pooling with gradients: AveragePool (count_include_pad, ceil_mode), MaxPool (dilations,
// ceil_mode; the gradient goes to the first maximum of each window, as PyTorch's), and
// GlobalAveragePool / GlobalMaxPool. Windows come from the conv tap table of a [C, 1, k...]
// kernel; ceil_mode pads the end so the last partial window counts (Operators.md
// AveragePool-19). Not Conv (ops-conv.ts).
import { sizeOf } from '../core/index.js';
import { attrInt, attrInts, attrString } from '../onnx/index.js';
import {
  convGeometry,
  convTaps,
  type AutoPad,
  type ConvGeometry,
} from '../kernels/conv-geometry.js';
import type { DiffOp } from './diff-op.js';
import { allocFloat, floatInput, tensor, type GraphNode } from './tensor.js';

interface Window {
  readonly geometry: ConvGeometry;
  readonly table: Int32Array;
  readonly taps: number;
  readonly inSize: number;
  readonly outSize: number;
  /** Per output position: how many taps the average divides by. */
  readonly divisor: Float64Array;
}

function windowOf(node: GraphNode, shape: readonly number[], global: boolean): Window {
  const rank = shape.length - 2;
  const spatial = shape.slice(2);
  const kernel = global ? spatial : (attrInts(node, 'kernel_shape') ?? spatial);
  const strides = global ? kernel.map(() => 1) : (attrInts(node, 'strides') ?? kernel.map(() => 1));
  const dilations = global
    ? kernel.map(() => 1)
    : (attrInts(node, 'dilations') ?? kernel.map(() => 1));
  const pads = [...(global ? [] : (attrInts(node, 'pads') ?? []))];
  if (pads.length === 0) pads.push(...new Array<number>(2 * rank).fill(0));
  const explicitEnd = pads.slice(rank);
  if (!global && attrInt(node, 'ceil_mode', 0) !== 0) {
    for (let i = 0; i < rank; i++) {
      const span = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
      const padded = (spatial[i] as number) + (pads[i] as number) + (pads[rank + i] as number);
      let out = Math.ceil((padded - span) / (strides[i] as number)) + 1;
      // The last window must start inside the input or its begin padding.
      if ((out - 1) * (strides[i] as number) >= (spatial[i] as number) + (pads[i] as number)) out--;
      const needed = (out - 1) * (strides[i] as number) + span - padded;
      pads[rank + i] = (pads[rank + i] as number) + Math.max(0, needed);
    }
  }
  const channels = shape[1] as number;
  const autoPad = global ? 'NOTSET' : (attrString(node, 'auto_pad', 'NOTSET') as AutoPad);
  const geometry = convGeometry(shape, [channels, 1, ...kernel], {
    autoPad,
    group: channels,
    strides,
    dilations,
    ...(autoPad === 'NOTSET' ? { pads } : {}),
  });
  const table = convTaps(geometry);
  const taps = sizeOf(kernel);
  const outSize = sizeOf(geometry.outSpatial);
  const includePad = attrInt(node, 'count_include_pad', 0) !== 0;
  const divisor = new Float64Array(outSize);
  const outStrides = geometry.outSpatial.map((_, i) => sizeOf(geometry.outSpatial.slice(i + 1)));
  for (let p = 0; p < outSize; p++) {
    if (!includePad) {
      let count = 0;
      for (let q = 0; q < taps; q++) if ((table[p * taps + q] as number) >= 0) count++;
      divisor[p] = count;
      continue;
    }
    // count_include_pad: taps inside the input or its explicit pads, not ceil_mode's extra.
    let count = 1;
    for (let i = 0; i < rank; i++) {
      const o = Math.floor(p / (outStrides[i] as number)) % (geometry.outSpatial[i] as number);
      const start = o * (geometry.strides[i] as number) - (geometry.pads[i] as number);
      const end = Math.min(
        start + (kernel[i] as number),
        (spatial[i] as number) + (explicitEnd[i] as number),
      );
      count *= end - Math.max(start, -(geometry.pads[i] as number));
    }
    divisor[p] = count;
  }
  return { geometry, table, taps, inSize: sizeOf(spatial), outSize, divisor };
}

interface Saved {
  readonly window: Window;
  readonly inShape: readonly number[];
  /** MaxPool: the flat input index each output took, -1 when its window was all padding. */
  readonly argmax: Int32Array | undefined;
}

function pool(kind: 'average' | 'max', global: boolean): DiffOp {
  return {
    forward(inputs, node) {
      const x = floatInput(inputs, 0, node);
      const window = windowOf(node, x.shape, global);
      const { geometry, table, taps, inSize, outSize, divisor } = window;
      const planes = (x.shape[0] as number) * (x.shape[1] as number);
      const y = allocFloat(planes * outSize);
      const argmax = kind === 'max' ? new Int32Array(y.length) : undefined;
      for (let c = 0; c < planes; c++) {
        const xBase = c * inSize;
        for (let p = 0; p < outSize; p++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let best = -1;
          for (let q = 0; q < taps; q++) {
            const at = table[p * taps + q] as number;
            if (at < 0) continue;
            const v = x.data[xBase + at] as number;
            if (kind === 'average') acc += v;
            else if (v > acc || best < 0) {
              acc = v;
              best = xBase + at;
            }
          }
          y[c * outSize + p] = kind === 'average' ? acc / (divisor[p] as number) : acc;
          if (argmax !== undefined) argmax[c * outSize + p] = best;
        }
      }
      const saved: Saved = { window, inShape: x.shape, argmax };
      return { outputs: [tensor(geometry.outShape, y)], saved };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined || needs[0] !== true) return [undefined];
      const { window, inShape, argmax } = saved as Saved;
      const { table, taps, inSize, outSize, divisor } = window;
      const dx = allocFloat(sizeOf(inShape));
      const planes = (inShape[0] as number) * (inShape[1] as number);
      for (let c = 0; c < planes; c++) {
        for (let p = 0; p < outSize; p++) {
          const gi = g.data[c * outSize + p] as number;
          if (argmax !== undefined) {
            const at = argmax[c * outSize + p] as number;
            if (at >= 0) dx[at] = (dx[at] as number) + gi;
            continue;
          }
          const share = gi / (divisor[p] as number);
          for (let q = 0; q < taps; q++) {
            const at = table[p * taps + q] as number;
            if (at >= 0) dx[c * inSize + at] = (dx[c * inSize + at] as number) + share;
          }
        }
      }
      return [tensor(inShape, dx)];
    },
  };
}

/** The pooling ops, by ONNX op type. */
export const POOL_OPS: readonly (readonly [string, DiffOp])[] = [
  ['AveragePool', pool('average', false)],
  ['MaxPool', pool('max', false)],
  ['GlobalAveragePool', pool('average', true)],
  ['GlobalMaxPool', pool('max', true)],
];

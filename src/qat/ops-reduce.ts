// ReduceMean and ReduceSum with gradients (axes as an attribute before opset 18 / 13, as an
// input after; keepdims default 1; no axes reduces all unless noop_with_empty_axes). The
// gradient spreads each output's gradient over the elements it reduced (divided by their count
// for the mean). Not normalizations (ops-norm.ts).
import { sizeOf } from '../core/index.js';
import { attrInt, attrInts } from '../onnx/index.js';
import { broadcastIndex } from './broadcast.js';
import type { DiffOp, OpContext } from './diff-op.js';
import {
  allocFloat,
  floatInput,
  intsInput,
  resolveAxis,
  tensor,
  type GraphNode,
  type Value,
} from './tensor.js';

interface Saved {
  readonly inShape: readonly number[];
  /** The output's shape with reduced axes kept as 1. */
  readonly keptShape: readonly number[];
  readonly scale: number;
}

function axesOf(
  inputs: readonly (Value | undefined)[],
  node: GraphNode,
  context: OpContext,
  inputSince: number,
): number[] | undefined {
  return context.opset >= inputSince ? intsInput(inputs, 1, node) : attrInts(node, 'axes');
}

function reduce(mean: boolean, inputSince: number): DiffOp {
  return {
    forward(inputs, node, context) {
      const x = floatInput(inputs, 0, node);
      const rank = x.shape.length;
      const given = axesOf(inputs, node, context, inputSince);
      const keepdims = attrInt(node, 'keepdims', 1) !== 0;
      if (
        (given === undefined || given.length === 0) &&
        attrInt(node, 'noop_with_empty_axes', 0) !== 0
      ) {
        return {
          outputs: [x],
          saved: { inShape: x.shape, keptShape: x.shape, scale: 1 } satisfies Saved,
        };
      }
      const axes = new Set(
        (given ?? []).length === 0
          ? x.shape.map((_, i) => i)
          : (given ?? []).map((a) => resolveAxis(a, rank, node)),
      );
      const keptShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
      const outShape = keepdims ? keptShape : x.shape.filter((_, i) => !axes.has(i));
      const count = x.data.length / Math.max(1, sizeOf(keptShape));
      const scale = mean ? 1 / count : 1;
      const index = broadcastIndex(x.shape, keptShape);
      const sums = new Float64Array(sizeOf(keptShape));
      for (let p = 0; p < x.data.length; p++) {
        const at = index[p] as number;
        sums[at] = (sums[at] as number) + (x.data[p] as number);
      }
      const y = allocFloat(sums.length);
      for (let i = 0; i < y.length; i++) y[i] = (sums[i] as number) * scale;
      const saved: Saved = { inShape: x.shape, keptShape, scale };
      return { outputs: [tensor(outShape, y)], saved };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined || needs[0] !== true) return [undefined];
      const { inShape, keptShape, scale } = saved as Saved;
      const index = broadcastIndex(inShape, keptShape);
      const dx = allocFloat(sizeOf(inShape));
      for (let p = 0; p < dx.length; p++) dx[p] = (g.data[index[p] as number] as number) * scale;
      return [tensor(inShape, dx)];
    },
  };
}

/** ReduceMean (axes an input from opset 18) and ReduceSum (from opset 13). */
export const REDUCE_OPS: readonly (readonly [string, DiffOp])[] = [
  ['ReduceMean', reduce(true, 18)],
  ['ReduceSum', reduce(false, 13)],
];

// How quantization parameters map onto a tensor: one pair for the whole tensor, one per slice
// along an axis, or one per block of `blockSize` along an axis (ONNX opset 21 blocked layout).
// Not the parameter values themselves: see qparams.ts and tensor-qparams.ts.
import { fail } from './errors.js';

/** Which elements share one scale and zero point. */
export type Granularity =
  | { readonly kind: 'per-tensor' }
  | { readonly kind: 'per-axis'; readonly axis: number }
  | { readonly kind: 'per-block'; readonly axis: number; readonly blockSize: number };

/** A tensor's shape viewed as [outer, length along the axis, inner], plus the group count. */
export interface Layout {
  readonly outer: number;
  readonly length: number;
  readonly inner: number;
  /** Blocks along the axis (1 for per-tensor and per-axis). */
  readonly blocks: number;
  /** Number of scale/zero-point pairs. */
  readonly groups: number;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Normalises a possibly negative axis against a rank, failing with `bad-argument` if invalid. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    fail('bad-argument', `axis ${axis} is out of range for a tensor of rank ${rank}`, { axis });
  }
  return a;
}

/** Validates `granularity` against `shape` and returns the loop layout. */
export function layoutOf(shape: readonly number[], granularity: Granularity): Layout {
  if (granularity.kind === 'per-tensor') {
    return { outer: 1, length: sizeOf(shape), inner: 1, blocks: 1, groups: 1 };
  }
  const axis = normalizeAxis(granularity.axis, shape.length);
  const outer = sizeOf(shape.slice(0, axis));
  const length = shape[axis] ?? 1;
  const inner = sizeOf(shape.slice(axis + 1));
  if (granularity.kind === 'per-axis') {
    return { outer, length, inner, blocks: 1, groups: length };
  }
  const { blockSize } = granularity;
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    fail('bad-argument', `block size must be a positive integer, got ${blockSize}`);
  }
  const blocks = Math.ceil(length / blockSize);
  return { outer, length, inner, blocks, groups: outer * blocks * inner };
}

/** Shape of the scale (and zero-point) tensor ONNX expects for this granularity. */
export function paramShape(shape: readonly number[], granularity: Granularity): number[] {
  if (granularity.kind === 'per-tensor') return [];
  const axis = normalizeAxis(granularity.axis, shape.length);
  if (granularity.kind === 'per-axis') return [shape[axis] ?? 1];
  return shape.map((d, i) => (i === axis ? Math.ceil(d / granularity.blockSize) : d));
}

/**
 * Calls `visit(start, count, group, groupStride)` for each run of consecutive elements
 * start..start+count-1, where element start+j uses parameter group `group + j * groupStride`.
 * The one loop skeleton every granular kernel here shares.
 */
export function forEachRun(
  layout: Layout,
  granularity: Granularity,
  visit: (start: number, count: number, group: number, groupStride: 0 | 1) => void,
): void {
  const { outer, length, inner, blocks } = layout;
  if (granularity.kind === 'per-tensor') {
    visit(0, length, 0, 0);
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < length; c++) {
      const base = (o * length + c) * inner;
      if (granularity.kind === 'per-axis') visit(base, inner, c, 0);
      else visit(base, inner, (o * blocks + Math.floor(c / granularity.blockSize)) * inner, 1);
    }
  }
}

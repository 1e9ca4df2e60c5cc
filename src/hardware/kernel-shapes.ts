// The shapes the kernel benchmark measures: the three families (MatMul, Conv, Q/DQ) told apart by
// the rank of their shape, the default shapes and non-zero zero points (the built-in profile was
// measured at these), the `--shapes` parser and the operation count of one run. Not the
// configurations or their models (kernel-catalogue.ts).
import { fail } from '../core/errors.js';

/** Which ops share a shape and are compared with each other. */
export type KernelFamily = 'matmul' | 'conv' | 'qdq';

/** Rank of a family's shape: [M, K, N], [N, C, H, W, Cout, kH, kW], [elements]. */
const RANK: Readonly<Record<KernelFamily, number>> = { matmul: 3, conv: 7, qdq: 1 };

/** Default shapes: an FFN down-projection at 128 tokens, 3x3 and 1x1 CNN convs, 1M-element Q/DQ. */
export const DEFAULT_SHAPES: readonly (readonly number[])[] = [
  [128, 3072, 768],
  [1, 64, 56, 56, 64, 3, 3],
  [1, 256, 14, 14, 256, 1, 1],
  [1 << 20],
];

/** The non-zero zero points used: typical of calibrated activations, and not special values. */
export const NONZERO_ZERO_POINT: Readonly<Record<'uint8' | 'int8', number>> = {
  uint8: 117,
  int8: -9,
};

/** Seconds one timed sample lasts (runs are repeated up to it): `bench --kernels`' default. */
export const KERNEL_SAMPLE_SECONDS = 0.004;

/** Parses "MxKxN" (MatMul), "NxCxHxWxCoutxKhxKw" (Conv) or "ELEMENTS" (Q/DQ). */
export function parseShape(text: string): number[] {
  const dims = text.split('x').map(Number);
  const ranks: readonly number[] = Object.values(RANK);
  if (!ranks.includes(dims.length) || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    fail(
      'bad-argument',
      `--shapes takes MxKxN (MatMul), NxCxHxWxCOUTxKHxKW (Conv) or ELEMENTS (Q/DQ), got "${text}"`,
    );
  }
  return dims;
}

/** The family a shape belongs to, by its rank. */
export function familyOf(shape: readonly number[]): KernelFamily {
  return shape.length === RANK.matmul ? 'matmul' : shape.length === RANK.conv ? 'conv' : 'qdq';
}

/** Operations of one run at `s`: a multiply-add counts 2 (stride 1, same padding); Q/DQ 1 each. */
export function kernelOpCount(s: readonly number[]): number {
  const family = familyOf(s);
  if (family === 'matmul') return 2 * s[0]! * s[1]! * s[2]!;
  if (family === 'conv') return 2 * s[0]! * s[4]! * s[2]! * s[3]! * s[1]! * s[5]! * s[6]!;
  return s[0]!;
}

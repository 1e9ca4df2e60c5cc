// The one rounding function: round half to even, as ONNX QuantizeLinear and numpy.rint do.
// Saturation to a qtype's range is a separate step (see quantize.ts).

// 1.5 * 2^52: adding then subtracting it leaves a double rounded to an integer under the
// FPU's default mode, round-half-to-even, for |x| < 2^51.
// Hot loops (quantize.ts) inline `v + ROUNDING_MAGIC - ROUNDING_MAGIC` for speed.
export const ROUNDING_MAGIC = 6755399441055744;
const MAGIC = ROUNDING_MAGIC;
const LIMIT = 2 ** 51;

/** Rounds to the nearest integer, ties to even; NaN and +-Inf pass through unchanged. */
export function roundHalfEven(x: number): number {
  if (x > -LIMIT && x < LIMIT) {
    const r = x + MAGIC - MAGIC;
    // Keep the sign of -0 and of negatives that round to zero, as rint does.
    return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
  }
  return x; // already an integer, or NaN / +-Inf
}

// IEEE 754 binary16 conversion, for float16 scales and tensors (QLinearMatMul accepts them).
// Not a float16 arithmetic library: values are widened to float32/64 to compute.

const view = new DataView(new ArrayBuffer(4));

/** Decodes one float16 bit pattern to a number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Encodes a float32 value as the nearest float16 bit pattern, ties to even (numpy's astype from
 * float32). A float64 argument is first rounded to float32, so it may round twice.
 */
export function numberToFloat16(value: number): number {
  view.setFloat32(0, value);
  const f = view.getUint32(0);
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  let mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let m = mantissa >>> shift;
    if (rest > half || (rest === half && (m & 1) === 1)) m += 1;
    return sign | m;
  }
  const rest = mantissa & 0x1fff;
  let out = sign | (e << 10) | (mantissa >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out += 1;
  return out;
}

/** Rounds a float32 value to the nearest float16 value (float64 input: via float32 first). */
export function f16round(value: number): number {
  return float16ToNumber(numberToFloat16(value));
}

// The memory-bound baseline in WebAssembly for the benchmarks: read float32, write one byte
// per element (saturating truncation), the least work a quantize-shaped pass can do. Not a
// kernel anything calls for results.

/** Writes n bytes at op from the n floats at xp. */
export function passChunk(xp: usize, op: usize, n: u32): void {
  let k: u32 = 0;
  for (; k + 16 <= n; k += 16) {
    const p = xp + ((<usize>k) << 2);
    const ab = i16x8.narrow_i32x4_s(
      i32x4.trunc_sat_f32x4_s(v128.load(p)),
      i32x4.trunc_sat_f32x4_s(v128.load(p, 16)),
    );
    const cd = i16x8.narrow_i32x4_s(
      i32x4.trunc_sat_f32x4_s(v128.load(p, 32)),
      i32x4.trunc_sat_f32x4_s(v128.load(p, 48)),
    );
    v128.store(op + k, i8x16.narrow_i16x8_s(ab, cd));
  }
  for (; k < n; k++) store<i8>(op + k, <i8>(<i32>load<f32>(xp + ((<usize>k) << 2))));
}

// WebAssembly SIMD packing of sub-byte integers as src/core/pack.ts lays them out (its
// reference, tested bit for bit): int4/uint4 two per byte, int2/uint2 four per byte, the first
// element in the lowest bits, the last byte padded with zeros. Not 8- or 16-bit types.

/** Packs n one-byte values at vp into ceil(n * bits / 8) bytes at op (bits 2 or 4). */
export function packChunk(vp: usize, op: usize, n: u32, bits: i32): void {
  let k: u32 = 0;
  if (bits == 4) {
    const lowMask = i16x8.splat(0x0f);
    const highMask = i16x8.splat(0xf0);
    for (; k + 32 <= n; k += 32) {
      const a = v128.load(vp + k);
      const b = v128.load(vp + k, 16);
      // each i16 lane holds (v0, v1): byte = (v0 & 15) | ((v1 & 15) << 4)
      const pa = v128.or(v128.and(a, lowMask), v128.and(i16x8.shr_u(a, 4), highMask));
      const pb = v128.or(v128.and(b, lowMask), v128.and(i16x8.shr_u(b, 4), highMask));
      v128.store(op + (k >> 1), i8x16.narrow_i16x8_u(pa, pb));
    }
  } else {
    const m0 = i32x4.splat(0x03);
    const m1 = i32x4.splat(0x0c);
    const m2 = i32x4.splat(0x30);
    const m3 = i32x4.splat(0xc0);
    for (; k + 16 <= n; k += 16) {
      const a = v128.load(vp + k);
      const p = v128.or(
        v128.or(v128.and(a, m0), v128.and(i32x4.shr_u(a, 6), m1)),
        v128.or(v128.and(i32x4.shr_u(a, 12), m2), v128.and(i32x4.shr_u(a, 18), m3)),
      );
      const w = i16x8.narrow_i32x4_u(p, p);
      v128.store32_lane(op + (k >> 2), i8x16.narrow_i16x8_u(w, w), 0);
    }
  }
  const perByte: u32 = 8 / bits;
  const mask = (1 << bits) - 1;
  for (; k < n; k += perByte) {
    let byte = 0;
    for (let j: u32 = 0; j < perByte && k + j < n; j++) {
      byte |= ((<i32>load<u8>(vp + k + j)) & mask) << (j * bits);
    }
    store<u8>(op + k / perByte, <u8>byte);
  }
}

/** Unpacks n values of `bits` (2 or 4) from the bytes at bp to one byte each at op. */
export function unpackChunk(bp: usize, op: usize, n: u32, bits: i32, signed: i32): void {
  const perByte: u32 = 8 / bits;
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  let k: u32 = 0;
  if (bits == 4) {
    const low = i8x16.splat(0x0f);
    for (; k + 32 <= n; k += 32) {
      const v = v128.load(bp + (k >> 1));
      let lo = v128.and(v, low);
      let hi = i8x16.shr_u(v, 4);
      if (signed) {
        lo = i8x16.shr_s(i8x16.shl(lo, 4), 4);
        hi = i8x16.shr_s(i8x16.shl(hi, 4), 4);
      }
      v128.store(
        op + k,
        i8x16.shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
      );
      v128.store(
        op + k,
        i8x16.shuffle(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31),
        16,
      );
    }
  }
  for (; k < n; k++) {
    let v = ((<i32>load<u8>(bp + k / perByte)) >> ((k % perByte) * bits)) & mask;
    if (signed) v = (v << shift) >> shift;
    store<u8>(op + k, <u8>v);
  }
}

// WebAssembly SIMD quantize, dequantize and fake-quant over a chunk of a tensor, in the exact
// float32 arithmetic of src/core/quantize.ts (the reference these are tested against, bit for
// bit): q = saturate(nearest(x / scale) + zp), x' = (q - zp) * scale. Not the layout rules or
// the fallback: src/kernels/wasm/ walks granularities and copies data in and out.

// Storage kinds of the integer side (the f32 kind is fake-quant's output).
const I8: i32 = 0;
const U8: i32 = 1;
const I16: i32 = 2;
const U16: i32 = 3;
const F32: i32 = 4;

// Operations of the run driver.
const QUANTIZE: i32 = 0;
const DEQUANTIZE: i32 = 1;
const FAKE: i32 = 2;

/** Bytes per element of a storage kind. */
function sizeOf(kind: i32): u32 {
  return kind == F32 ? 4 : kind >= I16 ? 2 : 1;
}

// Rounding by the float32 magic number 1.5 * 2^23: for |t| <= 2^22, t + MAGIC rounds t half
// to even onto the integers (the sum's ulp is 1), so (t + MAGIC) - MAGIC is nearest(t) and the
// sum's bits minus MAGIC's bits are that integer: one add and one integer subtract in place of
// f32x4.nearest and i32x4.trunc_sat_f32x4_s (a long sequence on x64). The clamp bounds are
// qmin - zp and qmax - zp, within 2^17 since zero points past 2^16 take the fallback.
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;

/** clamp(x / s, lo, hi) with NaN -> +0, as quantize.ts's quantizeRun before its rounding. */
function q4(x: v128, s: v128, lo: v128, hi: v128): v128 {
  let t = f32x4.div(x, s);
  t = f32x4.pmin(t, hi); // hi < t ? hi : t (NaN stays)
  t = f32x4.pmax(t, lo); // t < lo ? lo : t (NaN stays)
  return v128.and(t, f32x4.eq(t, t)); // NaN -> +0
}

/** The stored level of four clamped quotients: nearest(t) + zp, with c = MAGIC_BITS - zp. */
function level4(t: v128, magic: v128, c: v128): v128 {
  return i32x4.sub(f32x4.add(t, magic), c);
}

/** Fake-quant of four clamped quotients: nearest(t) * s, where nearest(-0.3) is +0. */
function fake4(t: v128, magic: v128, s: v128): v128 {
  return f32x4.mul(f32x4.sub(f32x4.add(t, magic), magic), s);
}

function q1(x: f32, s: f32, lo: f32, hi: f32): f32 {
  let t = x / s;
  if (t > hi) t = hi;
  else if (t < lo) t = lo;
  else if (t != t) t = 0;
  return nearest(t);
}

/** Stores one scalar level (fake-quant: its dequantized value) at element k of `op`. */
function put1(op: usize, k: u32, v: f32, s: f32, zp: i32, kind: i32): void {
  if (kind == F32) store<f32>(op + ((<usize>k) << 2), (v + 0) * s);
  else if (kind <= U8) store<i8>(op + k, <i8>(<i32>v + zp));
  else store<i16>(op + ((<usize>k) << 1), <i16>(<i32>v + zp));
}

/** Quantizes n elements sharing one scale and zero point. */
function quantizeConst(
  xp: usize,
  op: usize,
  n: u32,
  s: f32,
  zp: i32,
  lo: f32,
  hi: f32,
  kind: i32,
): void {
  const vs = f32x4.splat(s);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const magic = f32x4.splat(MAGIC);
  const c = i32x4.splat(MAGIC_BITS - zp);
  let k: u32 = 0;
  if (kind == F32) {
    for (; k + 8 <= n; k += 8) {
      const p = xp + ((<usize>k) << 2);
      const o = op + ((<usize>k) << 2);
      v128.store(o, fake4(q4(v128.load(p), vs, vlo, vhi), magic, vs));
      v128.store(o, fake4(q4(v128.load(p, 16), vs, vlo, vhi), magic, vs), 16);
    }
  } else if (kind <= U8) {
    for (; k + 16 <= n; k += 16) {
      const p = xp + ((<usize>k) << 2);
      const a = level4(q4(v128.load(p), vs, vlo, vhi), magic, c);
      const b = level4(q4(v128.load(p, 16), vs, vlo, vhi), magic, c);
      const d = level4(q4(v128.load(p, 32), vs, vlo, vhi), magic, c);
      const e = level4(q4(v128.load(p, 48), vs, vlo, vhi), magic, c);
      const ab = i16x8.narrow_i32x4_s(a, b);
      const de = i16x8.narrow_i32x4_s(d, e);
      v128.store(op + k, kind == I8 ? i8x16.narrow_i16x8_s(ab, de) : i8x16.narrow_i16x8_u(ab, de));
    }
  } else {
    for (; k + 8 <= n; k += 8) {
      const p = xp + ((<usize>k) << 2);
      const a = level4(q4(v128.load(p), vs, vlo, vhi), magic, c);
      const b = level4(q4(v128.load(p, 16), vs, vlo, vhi), magic, c);
      v128.store(
        op + ((<usize>k) << 1),
        kind == I16 ? i16x8.narrow_i32x4_s(a, b) : i16x8.narrow_i32x4_u(a, b),
      );
    }
  }
  for (; k < n; k++) put1(op, k, q1(load<f32>(xp + ((<usize>k) << 2)), s, lo, hi), s, zp, kind);
}

/** Quantizes n elements whose scales and zero points are the n consecutive entries at sp, zpp. */
function quantizeVec(
  xp: usize,
  op: usize,
  n: u32,
  sp: usize,
  zpp: usize,
  qmin: i32,
  qmax: i32,
  kind: i32,
): void {
  const vmin = i32x4.splat(qmin);
  const vmax = i32x4.splat(qmax);
  const magic = f32x4.splat(MAGIC);
  const vbits = i32x4.splat(MAGIC_BITS);
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const s = v128.load(sp + ((<usize>k) << 2));
    const z = v128.load(zpp + ((<usize>k) << 2));
    const lo = f32x4.convert_i32x4_s(i32x4.sub(vmin, z));
    const hi = f32x4.convert_i32x4_s(i32x4.sub(vmax, z));
    const t = q4(v128.load(xp + ((<usize>k) << 2)), s, lo, hi);
    if (kind == F32) {
      v128.store(op + ((<usize>k) << 2), fake4(t, magic, s));
      continue;
    }
    const level = level4(t, magic, i32x4.sub(vbits, z));
    if (kind == I16 || kind == U16) {
      const w = kind == I16 ? i16x8.narrow_i32x4_s(level, vmin) : i16x8.narrow_i32x4_u(level, vmin);
      v128.store64_lane(op + ((<usize>k) << 1), w, 0);
      continue;
    }
    const w = i16x8.narrow_i32x4_s(level, vmin);
    if (kind == I8) v128.store32_lane(op + k, i8x16.narrow_i16x8_s(w, w), 0);
    else v128.store32_lane(op + k, i8x16.narrow_i16x8_u(w, w), 0);
  }
  for (; k < n; k++) {
    const s = load<f32>(sp + ((<usize>k) << 2));
    const zp = load<i32>(zpp + ((<usize>k) << 2));
    const v = q1(load<f32>(xp + ((<usize>k) << 2)), s, <f32>(qmin - zp), <f32>(qmax - zp));
    put1(op, k, v, s, zp, kind);
  }
}

/** Loads four stored integers of `kind` at element k as i32 lanes. */
function load4(qp: usize, k: u32, kind: i32): v128 {
  if (kind == I8)
    return i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(qp + k)));
  if (kind == U8)
    return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(qp + k)));
  if (kind == I16) return i32x4.extend_low_i16x8_s(v128.load64_zero(qp + ((<usize>k) << 1)));
  return i32x4.extend_low_i16x8_u(v128.load64_zero(qp + ((<usize>k) << 1)));
}

function load1(qp: usize, k: u32, kind: i32): i32 {
  if (kind == I8) return <i32>load<i8>(qp + k);
  if (kind == U8) return <i32>load<u8>(qp + k);
  if (kind == I16) return <i32>load<i16>(qp + ((<usize>k) << 1));
  return <i32>load<u16>(qp + ((<usize>k) << 1));
}

/** Dequantizes n elements sharing one scale and zero point: (q - zp) * s in f32. */
function dequantizeConst(qp: usize, op: usize, n: u32, s: f32, zp: i32, kind: i32): void {
  const vs = f32x4.splat(s);
  const vzp = i32x4.splat(zp);
  let k: u32 = 0;
  if (kind <= U8) {
    for (; k + 16 <= n; k += 16) {
      const v = v128.load(qp + k);
      const l = kind == I8 ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_low_i8x16_u(v);
      const h = kind == I8 ? i16x8.extend_high_i8x16_s(v) : i16x8.extend_high_i8x16_u(v);
      const o = op + ((<usize>k) << 2);
      v128.store(
        o,
        f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_low_i16x8_s(l), vzp)), vs),
      );
      v128.store(
        o,
        f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_high_i16x8_s(l), vzp)), vs),
        16,
      );
      v128.store(
        o,
        f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_low_i16x8_s(h), vzp)), vs),
        32,
      );
      v128.store(
        o,
        f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(i32x4.extend_high_i16x8_s(h), vzp)), vs),
        48,
      );
    }
  }
  for (; k + 4 <= n; k += 4) {
    const q = i32x4.sub(load4(qp, k, kind), vzp);
    v128.store(op + ((<usize>k) << 2), f32x4.mul(f32x4.convert_i32x4_s(q), vs));
  }
  for (; k < n; k++) store<f32>(op + ((<usize>k) << 2), <f32>(load1(qp, k, kind) - zp) * s);
}

/** Dequantizes n elements with the n consecutive scales and zero points at sp, zpp. */
function dequantizeVec(qp: usize, op: usize, n: u32, sp: usize, zpp: usize, kind: i32): void {
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const q = i32x4.sub(load4(qp, k, kind), v128.load(zpp + ((<usize>k) << 2)));
    v128.store(
      op + ((<usize>k) << 2),
      f32x4.mul(f32x4.convert_i32x4_s(q), v128.load(sp + ((<usize>k) << 2))),
    );
  }
  for (; k < n; k++) {
    const zp = load<i32>(zpp + ((<usize>k) << 2));
    store<f32>(
      op + ((<usize>k) << 2),
      <f32>(load1(qp, k, kind) - zp) * load<f32>(sp + ((<usize>k) << 2)),
    );
  }
}

function runConst(
  what: i32,
  ip: usize,
  op: usize,
  n: u32,
  sp: usize,
  zpp: usize,
  g: u32,
  qmin: i32,
  qmax: i32,
  kind: i32,
): void {
  const s = load<f32>(sp + ((<usize>g) << 2));
  const zp = load<i32>(zpp + ((<usize>g) << 2));
  if (what == DEQUANTIZE) dequantizeConst(ip, op, n, s, zp, kind);
  else quantizeConst(ip, op, n, s, zp, <f32>(qmin - zp), <f32>(qmax - zp), kind);
}

function runVec(
  what: i32,
  ip: usize,
  op: usize,
  n: u32,
  sp: usize,
  zpp: usize,
  g: u32,
  qmin: i32,
  qmax: i32,
  kind: i32,
): void {
  const gs = sp + ((<usize>g) << 2);
  const gz = zpp + ((<usize>g) << 2);
  if (what == DEQUANTIZE) dequantizeVec(ip, op, n, gs, gz, kind);
  else quantizeVec(ip, op, n, gs, gz, qmin, qmax, kind);
}

/**
 * Quantizes (what 0: f32 -> kind), dequantizes (1: kind -> f32) or fake-quantizes (2: f32 ->
 * f32) elements [base, base + count) of a tensor viewed as [outer, length, inner], the chunk's
 * input at ip and output at op. mode 0: one group; 1: per-axis (group = channel); 2: per-axis
 * with inner 1 (consecutive elements, consecutive groups); 3: per-block of blockSize along the
 * axis. Scales f32 and zero points i32 are at sp and zpp, one per group.
 */
export function quantizeChunk(
  what: i32,
  ip: usize,
  op: usize,
  base: u32,
  count: u32,
  mode: i32,
  length: u32,
  inner: u32,
  blockSize: u32,
  sp: usize,
  zpp: usize,
  qmin: i32,
  qmax: i32,
  kind: i32,
): void {
  const inSize: u32 = what == DEQUANTIZE ? sizeOf(kind) : 4;
  const outSize: u32 = what == FAKE ? 4 : what == DEQUANTIZE ? 4 : sizeOf(kind);
  const outKind = what == FAKE ? F32 : kind;
  const blocks = (length + blockSize - 1) / blockSize;
  let i: u32 = 0;
  while (i < count) {
    const e = base + i;
    let n: u32 = count - i;
    const ipi = ip + <usize>(i * inSize);
    const opi = op + <usize>(i * outSize);
    if (mode == 0) {
      runConst(what, ipi, opi, n, sp, zpp, 0, qmin, qmax, outKind);
    } else if (mode == 2) {
      const c = e % length;
      n = min(n, length - c);
      runVec(what, ipi, opi, n, sp, zpp, c, qmin, qmax, outKind);
    } else {
      const r = e % inner;
      const c = (e / inner) % length;
      n = min(n, inner - r);
      if (mode == 1) runConst(what, ipi, opi, n, sp, zpp, c, qmin, qmax, outKind);
      else {
        const o = e / inner / length;
        runVec(
          what,
          ipi,
          opi,
          n,
          sp,
          zpp,
          (o * blocks + c / blockSize) * inner + r,
          qmin,
          qmax,
          outKind,
        );
      }
    }
    i += n;
  }
}

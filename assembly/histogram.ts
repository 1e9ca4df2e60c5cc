// WebAssembly SIMD histogram binning on a grid of src/observers/histogram-grid.ts, in the
// float32 arithmetic of torch.histc that src/observers/histogram.ts's checking loop uses (its
// reference, tested count for count). Not the grid choice or growth: the caller covers the
// data first; this only counts. Counts are i32, four lane-private copies of bins + 1 slots
// (the extra slot takes NaN and +-Inf), summed by the caller.

const FMAX: f32 = 3.4028234663852886e38;
// See quantize.ts: bits(t + MAGIC) - MAGIC_BITS is the integer t, for integral |t| <= 2^22.
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;
const FAST_LIMIT: f64 = 4194304; // 2^22

/** The reference's bin of one value's position t: trunc((t - start) 2^-exponent) in f64. */
function bin1(t: f32, bins: i32, start: f64, invF: f64, tTop: f32, atTop: i32): i32 {
  let b: i32 = i32(trunc((<f64>t - start) * invF));
  if (t == tTop) b = atTop;
  else if (b < 0) b = 0;
  else if (b > bins - 1) b = bins - 1;
  return b;
}

/** Adds one to the i32 count at byte offset `at`. */
function bump(at: usize): void {
  store<i32>(at, load<i32>(at) + 1);
}

// Count addresses are staged here a vector at a time and counted by a separate scalar loop:
// with no lane extracts in the binning loop, binFast runs 1.3-1.4x faster (V8, x64).
const STAGED = memory.data(4096, 16);
const STAGED_VECTORS: u32 = 256;

/** Adds one count per staged address of the first `vectors` staged vectors. */
function countStaged(vectors: u32): void {
  const end = STAGED + ((<usize>vectors) << 4);
  for (let p = STAGED; p < end; p += 16) {
    bump(<usize>load<i32>(p));
    bump(<usize>load<i32>(p, 4));
    bump(<usize>load<i32>(p, 8));
    bump(<usize>load<i32>(p, 12));
  }
}

/** Stages four count addresses as vector j, counting the stage when full; the next j. */
function stage4(j: u32, at: v128): u32 {
  v128.store(STAGED + ((<usize>j) << 4), at);
  if (++j < STAGED_VECTORS) return j;
  countStaged(STAGED_VECTORS);
  return 0;
}

/** Adds one count per lane at the four byte addresses of an i32x4. */
function bump4(b: v128): void {
  bump(<usize>i32x4.extract_lane(b, 0));
  bump(<usize>i32x4.extract_lane(b, 1));
  bump(<usize>i32x4.extract_lane(b, 2));
  bump(<usize>i32x4.extract_lane(b, 3));
}

/** Half the f64 spacing just below |start| for start < 0 (an integer within 2^22), else 0. */
function roundingMargin(start: f64): f64 {
  if (!(start < 0)) return 0;
  const bits = reinterpret<i64>(-start);
  const k = <i32>(bits >> 52) - 1023;
  const below = (bits & 0xfffffffffffff) == 0 ? k - 53 : k - 52;
  return reinterpret<f64>((<i64>(1023 + below - 1)) << 52);
}

/**
 * The f32 path, for grids within 2^22 units of 0: the position clamped to the grid's first
 * and last bins (bounds are integers, so this commutes with floor), floored, made an integer
 * by the magic number, then (u - start) >> exponent. That is the reference's
 * trunc((t - start) 2^-e) exactly: t - start is exact in f64 except for t in (-1, 0) with
 * start < 0, where f64 rounds |start| - |t| up to |start| when |t| <= theta, half the f64
 * spacing below |start|; adding theta to t first (exact enough: it moves no other t across an
 * integer) sends those to 0 as the reference does.
 */
function binFast(
  xp: usize,
  n: u32,
  hp: usize,
  bins: i32,
  origin: f32,
  span: f32,
  start: f64,
  exponent: i32,
  tTop: f32,
  atTop: i32,
  plain: bool,
): u32 {
  // The loops' invariant vectors live in memory after the counts: the checked loop loads its
  // eleven where used (held in registers they spill under V8's x64 allocator and the loop ran
  // 2.4x slower when it also extracted lanes); the plain loop holds its eight.
  const stride = (bins + 1) << 2;
  const cp = hp + <usize>(4 * stride);
  const h = <i32>hp;
  v128.store(cp, f32x4.splat(origin), 0);
  v128.store(cp, f32x4.splat(<f32>bins), 16);
  v128.store(cp, f32x4.splat(span), 32);
  v128.store(cp, f32x4.splat(<f32>roundingMargin(start)), 48);
  v128.store(cp, f32x4.splat(<f32>(start + <f64>(bins - 1) * <f64>(1 << exponent))), 64);
  v128.store(cp, f32x4.splat(<f32>start), 80);
  v128.store(cp, i32x4.splat(MAGIC_BITS + <i32>start), 96);
  v128.store(cp, f32x4.splat(tTop), 112);
  v128.store(cp, i32x4.splat(atTop), 128);
  v128.store(cp, i32x4.splat(bins), 144);
  v128.store(cp, i32x4(h, h + stride, h + 2 * stride, h + 3 * stride), 160);
  const magic = f32x4.splat(MAGIC);
  const vmax = f32x4.splat(FMAX);
  let k: u32 = 0;
  let j: u32 = 0; // staged vectors not yet counted
  if (plain) {
    // finite values and no top position to place apart: the checks' lanes would change nothing.
    // Its eight invariants held in registers run 7 % faster than loaded (no lane extracts left).
    const vorigin = v128.load(cp, 0);
    const vbins = v128.load(cp, 16);
    const vspan = v128.load(cp, 32);
    const margin = v128.load(cp, 48);
    const hi = v128.load(cp, 64);
    const lo = v128.load(cp, 80);
    const bits = v128.load(cp, 96);
    const lanes = v128.load(cp, 160);
    for (; k + 4 <= n; k += 4) {
      const v = v128.load(xp + ((<usize>k) << 2));
      const t = f32x4.div(f32x4.mul(f32x4.sub(v, vorigin), vbins), vspan);
      // lo < c ? c : lo after c = t < hi ? t : hi: NaN goes to hi, keeping the bin on the grid
      const c = f32x4.pmax(lo, f32x4.pmin(hi, f32x4.add(t, margin)));
      const u = i32x4.sub(f32x4.add(f32x4.floor(c), magic), bits);
      j = stage4(j, i32x4.add(i32x4.shl(i32x4.shr_s(u, exponent), 2), lanes));
    }
    countStaged(j);
    return k;
  }
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(xp + ((<usize>k) << 2));
    const t = f32x4.div(
      f32x4.mul(f32x4.sub(v, v128.load(cp, 0)), v128.load(cp, 16)),
      v128.load(cp, 32),
    );
    // clamped to the grid (a NaN lane goes to hi, then to the trash slot below)
    const c = f32x4.pmax(
      v128.load(cp, 80),
      f32x4.pmin(v128.load(cp, 64), f32x4.add(t, v128.load(cp, 48))),
    );
    let b = i32x4.shr_s(i32x4.sub(f32x4.add(f32x4.floor(c), magic), v128.load(cp, 96)), exponent);
    b = v128.bitselect(v128.load(cp, 128), b, f32x4.eq(t, v128.load(cp, 112)));
    b = v128.bitselect(b, v128.load(cp, 144), f32x4.le(f32x4.abs(v), vmax));
    j = stage4(j, i32x4.add(i32x4.shl(b, 2), v128.load(cp, 160)));
  }
  countStaged(j);
  return k;
}

/** The f64 path for any grid: (t - start) 2^-exponent in f64, two lanes at a time. */
function binWide(
  xp: usize,
  n: u32,
  hp: usize,
  bins: i32,
  origin: f32,
  span: f32,
  start: f64,
  invF: f64,
  tTop: f32,
  atTop: i32,
): u32 {
  const vorigin = f32x4.splat(origin);
  const vbins = f32x4.splat(<f32>bins);
  const vspan = f32x4.splat(span);
  const vstart = f64x2.splat(start);
  const vinv = f64x2.splat(invF);
  const vtop = f32x4.splat(tTop);
  const vat = i32x4.splat(atTop);
  const vlast = i32x4.splat(bins - 1);
  const vtrash = i32x4.splat(bins);
  const vzero = i32x4.splat(0);
  const vmax = f32x4.splat(FMAX);
  const stride = (bins + 1) << 2;
  const h = <i32>hp;
  const lanes = i32x4(h, h + stride, h + 2 * stride, h + 3 * stride);
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(xp + ((<usize>k) << 2));
    const t = f32x4.div(f32x4.mul(f32x4.sub(v, vorigin), vbins), vspan);
    const lo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(t), vstart), vinv);
    const th = v128.shuffle<i32>(t, t, 2, 3, 0, 1);
    const hi = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(th), vstart), vinv);
    let b = v128.shuffle<i32>(
      i32x4.trunc_sat_f64x2_s_zero(lo),
      i32x4.trunc_sat_f64x2_s_zero(hi),
      0,
      1,
      4,
      5,
    );
    b = i32x4.min_s(i32x4.max_s(b, vzero), vlast);
    b = v128.bitselect(vat, b, f32x4.eq(t, vtop));
    b = v128.bitselect(b, vtrash, f32x4.le(f32x4.abs(v), vmax));
    bump4(i32x4.add(i32x4.shl(b, 2), lanes));
  }
  return k;
}

/** The bin binFast's arithmetic gives position tTop (its scalar twin): atTop makes its check moot. */
function topBinFast(bins: i32, start: f64, exponent: i32, tTop: f32): i32 {
  const hi = <f32>(start + <f64>(bins - 1) * <f64>(1 << exponent));
  const c = max(min(tTop + <f32>roundingMargin(start), hi), <f32>start);
  return (<i32>floor(c) - <i32>start) >> exponent;
}

/**
 * Bins n floats at xp: t = ((x - origin) * bins) / span in f32; b = trunc((t - start) 2^-exponent)
 * (in f64), atTop where t == tTop, else clamped to [0, bins - 1]. Adds one per value to the i32
 * counts at hp, laid out [4][bins + 1]. The grid's start is a multiple of 2^exponent. `finite`
 * (nonzero: no NaN or infinity among the values) and `belowTop` (nonzero: no value at position
 * tTop) are promises that let the loop skip those checks.
 */
export function histogramChunk(
  xp: usize,
  n: u32,
  hp: usize,
  bins: i32,
  origin: f32,
  span: f32,
  start: f64,
  exponent: i32,
  tTop: f32,
  atTop: i32,
  finite: i32,
  belowTop: i32,
): void {
  const invF = reinterpret<f64>((<i64>(1023 - exponent)) << 52); // 2^-exponent, exactly
  const fast = exponent <= 22 && abs(start) + <f64>bins * <f64>(1 << exponent) <= FAST_LIMIT;
  const plain =
    fast && finite != 0 && (belowTop != 0 || topBinFast(bins, start, exponent, tTop) == atTop);
  let k = fast
    ? binFast(xp, n, hp, bins, origin, span, start, exponent, tTop, atTop, plain)
    : binWide(xp, n, hp, bins, origin, span, start, invF, tTop, atTop);
  for (; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (!(abs(v) <= FMAX)) continue;
    const t: f32 = ((v - origin) * <f32>bins) / span;
    bump(hp + ((<usize>bin1(t, bins, start, invF, tTop, atTop)) << 2));
  }
}

/**
 * Adds the lane-private counts histogramChunk left at hp (i32 [4][bins + 1]) into f64 counts at
 * cp ([bins]): cp[j] += h0[j] + h1[j] + h2[j] + h3[j], the four summed as u32 (one call bins
 * fewer than 2^32 values), so each sum is exact and the f64 add is the caller's loop's own.
 * The trash slot (index bins) is left out.
 */
export function histogramFlush(hp: usize, bins: i32, cp: usize): void {
  const stride = (<usize>(bins + 1)) << 2;
  let j: i32 = 0;
  for (; j + 4 <= bins; j += 4) {
    const at = hp + ((<usize>j) << 2);
    const s = i32x4.add(
      i32x4.add(v128.load(at), v128.load(at + stride)),
      i32x4.add(v128.load(at + 2 * stride), v128.load(at + 3 * stride)),
    );
    const c = cp + ((<usize>j) << 3);
    v128.store(c, f64x2.add(v128.load(c), f64x2.convert_low_i32x4_u(s)));
    const high = v128.shuffle<i32>(s, s, 2, 3, 0, 1);
    v128.store(c, f64x2.add(v128.load(c, 16), f64x2.convert_low_i32x4_u(high)), 16);
  }
  for (; j < bins; j++) {
    const at = hp + ((<usize>j) << 2);
    const s: u32 =
      <u32>load<i32>(at) +
      <u32>load<i32>(at + stride) +
      <u32>load<i32>(at + 2 * stride) +
      <u32>load<i32>(at + 3 * stride);
    const c = cp + ((<usize>j) << 3);
    store<f64>(c, load<f64>(c) + <f64>s);
  }
}

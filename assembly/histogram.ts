// WebAssembly SIMD histogram binning on a grid of src/observers/histogram-grid.ts, in the
// float32 arithmetic of torch.histc that src/observers/histogram.ts's checking loop uses (its
// reference, tested count for count). Not the grid choice or growth: the caller covers the
// data first; this only counts. Counts are i32, four lane-private copies of bins + 1 slots
// (the extra slot takes NaN and +-Inf), summed by the caller.

const FMAX: f32 = 3.4028234663852886e38;

/**
 * Bins n floats at xp: t = ((x - origin) * bins) / span in f32; b = trunc((t - start) * invF),
 * atTop where t == tTop, else clamped to [0, bins - 1]. Adds one per value to the i32 counts at
 * hp, laid out [4][bins + 1].
 */
export function histogramChunk(
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
): void {
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
  const lanes = i32x4(0, stride, 2 * stride, 3 * stride);
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(xp + ((<usize>k) << 2));
    const t = f32x4.div(f32x4.mul(f32x4.sub(v, vorigin), vbins), vspan);
    // (t - start) 2^-exponent in f64, as the reference computes it, two lanes at a time
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
    b = i32x4.add(i32x4.shl(b, 2), lanes);
    const p0 = hp + <usize>i32x4.extract_lane(b, 0);
    const p1 = hp + <usize>i32x4.extract_lane(b, 1);
    const p2 = hp + <usize>i32x4.extract_lane(b, 2);
    const p3 = hp + <usize>i32x4.extract_lane(b, 3);
    store<i32>(p0, load<i32>(p0) + 1);
    store<i32>(p1, load<i32>(p1) + 1);
    store<i32>(p2, load<i32>(p2) + 1);
    store<i32>(p3, load<i32>(p3) + 1);
  }
  for (; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (!(abs(v) <= FMAX)) continue;
    const t: f32 = ((v - origin) * <f32>bins) / span;
    let b: i32 = i32(trunc((<f64>t - start) * invF));
    if (t == tTop) b = atTop;
    else if (b < 0) b = 0;
    else if (b > bins - 1) b = bins - 1;
    const p = hp + ((<usize>b) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
}

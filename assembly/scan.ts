// WebAssembly SIMD min/max scans: the min and max of the finite values of runs of float32,
// per tensor or per channel, and how many values were NaN or infinite, as
// src/observers/scan.ts computes them (its reference, tested bit for bit). Not the observers'
// state or the copying of chunks: src/kernels/wasm/ drives these.

const FMAX: f32 = 3.4028234663852886e38;

/** Counters the JS side reads after a call: [nan, infinite] as i32 at `counters`. */
function addCounts(counters: usize, nan: i32, inf: i32): void {
  store<i32>(counters, load<i32>(counters) + nan);
  store<i32>(counters, load<i32>(counters, 4) + inf, 4);
}

/** The least of a f32x4's lanes. */
function min4(v: v128): f32 {
  return min(
    min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/** The greatest of a f32x4's lanes. */
function max4(v: v128): f32 {
  return max(
    max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

/** The sum of an i32x4's lanes. */
function sum4(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    i32x4.extract_lane(v, 2) +
    i32x4.extract_lane(v, 3)
  );
}

/** Min/max of the finite values of n floats at xp into *minp, *maxp, checking every lane. */
function scanChecked(xp: usize, n: u32, minp: usize, maxp: usize, counters: usize): void {
  const vmax = f32x4.splat(FMAX);
  let mn = f32x4.splat(Infinity);
  let mx = f32x4.splat(-Infinity);
  let finite = i32x4.splat(0);
  let nan = i32x4.splat(0);
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(xp + ((<usize>k) << 2));
    const fin = f32x4.le(f32x4.abs(v), vmax);
    mn = v128.bitselect(v, mn, v128.and(f32x4.lt(v, mn), fin));
    mx = v128.bitselect(v, mx, v128.and(f32x4.gt(v, mx), fin));
    finite = i32x4.sub(finite, fin);
    nan = i32x4.sub(nan, f32x4.ne(v, v));
  }
  let a = min4(mn);
  let b = max4(mx);
  let f = sum4(finite);
  let m = sum4(nan);
  for (; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (v != v) m++;
    else if (abs(v) <= FMAX) {
      f++;
      if (v < a) a = v;
      if (v > b) b = v;
    }
  }
  if (a < load<f32>(minp)) store<f32>(minp, a);
  if (b > load<f32>(maxp)) store<f32>(maxp, b);
  addCounts(counters, m, <i32>n - f - m);
}

/** The number of NaN lanes among n floats at xp. */
function countNaN(xp: usize, n: u32): i32 {
  let m: i32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (v != v) m++;
  }
  return m;
}

/**
 * Min/max of n floats at xp into *minp, *maxp: a fast pass of four independent pmin/pmax
 * pairs (pmin never lets NaN win) and a running sum that turns NaN when a NaN or an infinity
 * went by (or finite values overflowed); then NaN is counted in a second pass, and when min or
 * max is infinite, the checked pass redoes the run.
 */
function scanRun(xp: usize, n: u32, minp: usize, maxp: usize, counters: usize): void {
  let a0 = f32x4.splat(Infinity);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let b0 = f32x4.splat(-Infinity);
  let b1 = b0;
  let b2 = b0;
  let b3 = b0;
  let sum = f32x4.splat(0);
  let k: u32 = 0;
  for (; k + 16 <= n; k += 16) {
    const p = xp + ((<usize>k) << 2);
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const v2 = v128.load(p, 32);
    const v3 = v128.load(p, 48);
    a0 = f32x4.pmin(a0, v0); // v < a ? v : a: NaN never wins
    b0 = f32x4.pmax(b0, v0);
    a1 = f32x4.pmin(a1, v1);
    b1 = f32x4.pmax(b1, v1);
    a2 = f32x4.pmin(a2, v2);
    b2 = f32x4.pmax(b2, v2);
    a3 = f32x4.pmin(a3, v3);
    b3 = f32x4.pmax(b3, v3);
    sum = f32x4.add(sum, f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)));
  }
  let a = min4(f32x4.pmin(f32x4.pmin(a0, a1), f32x4.pmin(a2, a3)));
  let b = max4(f32x4.pmax(f32x4.pmax(b0, b1), f32x4.pmax(b2, b3)));
  let m: i32 = 0;
  for (; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (v != v) m++;
    else {
      if (v < a) a = v;
      if (v > b) b = v;
    }
  }
  if (a == -Infinity || b == Infinity) {
    scanChecked(xp, n, minp, maxp, counters);
    return;
  }
  if (!i32x4.all_true(f32x4.eq(sum, sum))) m = countNaN(xp, n);
  if (a < load<f32>(minp)) store<f32>(minp, a);
  if (b > load<f32>(maxp)) store<f32>(maxp, b);
  addCounts(counters, m, 0);
}

/** Per-channel min/max of one row of `n` channels (inner 1): lanes are channels. */
function scanRow(xp: usize, n: u32, minp: usize, maxp: usize, counters: usize): void {
  const vmax = f32x4.splat(FMAX);
  let finite = i32x4.splat(0);
  let nan = i32x4.splat(0);
  let k: u32 = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(xp + ((<usize>k) << 2));
    const fin = f32x4.le(f32x4.abs(v), vmax);
    const mn = v128.load(minp + ((<usize>k) << 2));
    const mx = v128.load(maxp + ((<usize>k) << 2));
    v128.store(minp + ((<usize>k) << 2), v128.bitselect(v, mn, v128.and(f32x4.lt(v, mn), fin)));
    v128.store(maxp + ((<usize>k) << 2), v128.bitselect(v, mx, v128.and(f32x4.gt(v, mx), fin)));
    finite = i32x4.sub(finite, fin);
    nan = i32x4.sub(nan, f32x4.ne(v, v));
  }
  let f = sum4(finite);
  let m = sum4(nan);
  for (; k < n; k++) {
    const v = load<f32>(xp + ((<usize>k) << 2));
    if (v != v) m++;
    else if (abs(v) <= FMAX) {
      f++;
      if (v < load<f32>(minp + ((<usize>k) << 2))) store<f32>(minp + ((<usize>k) << 2), v);
      if (v > load<f32>(maxp + ((<usize>k) << 2))) store<f32>(maxp + ((<usize>k) << 2), v);
    }
  }
  addCounts(counters, m, <i32>n - f - m);
}

/**
 * Min/max of elements [base, base + count) of a tensor viewed as [outer, length, inner], the
 * chunk at xp, into f32 [groups] at minp and maxp (updated in place). mode 0: one group; 1: per
 * channel of the axis; 2: per channel with inner 1. Adds [nan, infinite] counts at `counters`.
 */
export function minmaxChunk(
  xp: usize,
  base: u32,
  count: u32,
  mode: i32,
  length: u32,
  inner: u32,
  minp: usize,
  maxp: usize,
  counters: usize,
): void {
  let i: u32 = 0;
  while (i < count) {
    const e = base + i;
    let n: u32 = count - i;
    const xi = xp + ((<usize>i) << 2);
    if (mode == 0) scanRun(xi, n, minp, maxp, counters);
    else if (mode == 2) {
      const c = e % length;
      n = min(n, length - c);
      scanRow(xi, n, minp + ((<usize>c) << 2), maxp + ((<usize>c) << 2), counters);
    } else {
      const c = (e / inner) % length;
      n = min(n, inner - (e % inner));
      scanRun(xi, n, minp + ((<usize>c) << 2), maxp + ((<usize>c) << 2), counters);
    }
    i += n;
  }
}

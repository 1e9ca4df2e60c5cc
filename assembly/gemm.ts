// f32 matrix product for the QAT executor's conv and matmul (forward, backward-data,
// backward-weights): C[M, N] (+)= A[M, K] B[K, N], all row-major, with 4x8 register blocks of
// f32x4 accumulators over K. Transposes are the JS side's job (it copies operands in).
// Not the reference (src/qat/gemm.ts is, and the tests compare against it).

/** c[m, n] = (accumulate ? c : 0) + a[m, k] b[k, n]; pointers are byte offsets. */
export function sgemm(
  m: i32,
  n: i32,
  k: i32,
  ap: usize,
  bp: usize,
  cp: usize,
  accumulate: i32,
): void {
  const rowB = (<usize>n) << 2;
  const rowA = (<usize>k) << 2;
  const n8 = n & ~7;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = ap + <usize>i * rowA;
    const a1 = a0 + rowA;
    const a2 = a1 + rowA;
    const a3 = a2 + rowA;
    const c0 = cp + <usize>i * rowB;
    let j = 0;
    for (; j < n8; j += 8) {
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0);
      let s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0);
      let s31 = f32x4.splat(0);
      let bq = bp + ((<usize>j) << 2);
      for (let p = 0; p < k; p++) {
        const off = (<usize>p) << 2;
        const b0 = v128.load(bq);
        const b1 = v128.load(bq, 16);
        const x0 = f32x4.splat(load<f32>(a0 + off));
        const x1 = f32x4.splat(load<f32>(a1 + off));
        const x2 = f32x4.splat(load<f32>(a2 + off));
        const x3 = f32x4.splat(load<f32>(a3 + off));
        s00 = f32x4.add(s00, f32x4.mul(x0, b0));
        s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0));
        s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0));
        s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0));
        s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        bq += rowB;
      }
      const q = c0 + ((<usize>j) << 2);
      put(q, s00, s01, accumulate);
      put(q + rowB, s10, s11, accumulate);
      put(q + 2 * rowB, s20, s21, accumulate);
      put(q + 3 * rowB, s30, s31, accumulate);
    }
    for (let r = 0; r < 4; r++) tail(i + r, j, n, k, ap, bp, cp, accumulate);
  }
  for (; i < m; i++) tail(i, 0, n, k, ap, bp, cp, accumulate);
}

/** Stores (or adds) two accumulator vectors at q (small: -O3 inlines it). */
function put(q: usize, lo: v128, hi: v128, accumulate: i32): void {
  if (accumulate != 0) {
    lo = f32x4.add(lo, v128.load(q));
    hi = f32x4.add(hi, v128.load(q, 16));
  }
  v128.store(q, lo);
  v128.store(q, hi, 16);
}

/** Row i, columns from j to n: four at a time, then one. */
function tail(
  i: i32,
  from: i32,
  n: i32,
  k: i32,
  ap: usize,
  bp: usize,
  cp: usize,
  accumulate: i32,
): void {
  const rowB = (<usize>n) << 2;
  const a = ap + ((<usize>i * <usize>k) << 2);
  const c = cp + ((<usize>i * <usize>n) << 2);
  let j = from;
  for (; j + 4 <= n; j += 4) {
    let s = f32x4.splat(0);
    let bq = bp + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(a + ((<usize>p) << 2))), v128.load(bq)));
      bq += rowB;
    }
    const q = c + ((<usize>j) << 2);
    v128.store(q, accumulate != 0 ? f32x4.add(s, v128.load(q)) : s);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let bq = bp + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      s += load<f32>(a + ((<usize>p) << 2)) * load<f32>(bq);
      bq += rowB;
    }
    const q = c + ((<usize>j) << 2);
    store<f32>(q, accumulate != 0 ? s + load<f32>(q) : s);
  }
}

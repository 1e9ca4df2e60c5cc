// Error metrics of a quantization in WebAssembly, in exactly the order and float64 arithmetic of
// src/core/metrics.ts (its reference, tested bit for bit): sums run element by element, so this
// is a scalar loop, faster than the reference by skipping its per-element closures and lookups.
// Not the final ratios (SQNR, cosine): the JS side computes those from the sums.

const FMAX: f32 = 3.4028234663852886e38;

// Accumulator layout at accp (f64): signal, noise, dot, approx, maxAbs, n, clipped.

/** Adds n elements sharing group g (step 0) or groups g, g + 1, ... (step 1) to the sums. */
function metricsRun(
  xp: usize,
  qp: usize,
  n: u32,
  sp: usize,
  zpp: usize,
  g: u32,
  step: u32,
  qmin: i32,
  qmax: i32,
  kind: i32,
  accp: usize,
  usedMin: usize,
  usedMax: usize,
): void {
  let signal = load<f64>(accp);
  let noise = load<f64>(accp, 8);
  let dot = load<f64>(accp, 16);
  let approx = load<f64>(accp, 24);
  let maxAbs = load<f64>(accp, 32);
  let count = load<f64>(accp, 40);
  let clipped = load<f64>(accp, 48);
  let group = g;
  for (let k: u32 = 0; k < n; k++, group += step) {
    const x = load<f32>(xp + ((<usize>k) << 2));
    if (!(abs(x) <= FMAX)) continue;
    const v = <f64>x;
    const scale = <f64>load<f32>(sp + ((<usize>group) << 2));
    let qi: i32;
    if (kind == 0) qi = <i32>load<i8>(qp + k);
    else if (kind == 1) qi = <i32>load<u8>(qp + k);
    else if (kind == 2) qi = <i32>load<i16>(qp + ((<usize>k) << 1));
    else qi = <i32>load<u16>(qp + ((<usize>k) << 1));
    const r = <f64>(<f32>(<f64>(qi - load<i32>(zpp + ((<usize>group) << 2))) * scale));
    const e = abs(v - r);
    count += 1;
    signal += v * v;
    noise += e * e;
    dot += v * r;
    approx += r * r;
    if (e > maxAbs) maxAbs = e;
    if ((qi == qmin || qi == qmax) && e > scale / 2) clipped += 1;
    const up = usedMin + ((<usize>group) << 2);
    const uq = usedMax + ((<usize>group) << 2);
    if (qi < load<i32>(up)) store<i32>(up, qi);
    if (qi > load<i32>(uq)) store<i32>(uq, qi);
  }
  store<f64>(accp, signal);
  store<f64>(accp, noise, 8);
  store<f64>(accp, dot, 16);
  store<f64>(accp, approx, 24);
  store<f64>(accp, maxAbs, 32);
  store<f64>(accp, count, 40);
  store<f64>(accp, clipped, 48);
}

/**
 * Metrics sums over elements [base, base + count) of x (f32 chunk at xp) and q (chunk of `kind`
 * at qp), walking the layout as quantizeChunk does (mode 0 tensor, 1 axis, 2 axis with inner 1,
 * 3 block). Per-group used levels (i32) at usedMin, usedMax are updated in place.
 */
export function metricsChunk(
  xp: usize,
  qp: usize,
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
  accp: usize,
  usedMin: usize,
  usedMax: usize,
): void {
  const size: u32 = kind >= 2 ? 2 : 1;
  const blocks = (length + blockSize - 1) / blockSize;
  let i: u32 = 0;
  while (i < count) {
    const e = base + i;
    let n: u32 = count - i;
    let g: u32 = 0;
    let step: u32 = 0;
    if (mode == 2) {
      g = e % length;
      n = min(n, length - g);
      step = 1;
    } else if (mode != 0) {
      const r = e % inner;
      const c = (e / inner) % length;
      n = min(n, inner - r);
      if (mode == 1) g = c;
      else {
        g = ((e / inner / length) * blocks + c / blockSize) * inner + r;
        step = 1;
      }
    }
    const xi = xp + ((<usize>i) << 2);
    const qi = qp + <usize>(i * size);
    metricsRun(xi, qi, n, sp, zpp, g, step, qmin, qmax, kind, accp, usedMin, usedMax);
    i += n;
  }
}

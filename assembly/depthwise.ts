// 2-D depthwise convolution for the QAT executor, forward and both gradients, over planes the
// JS side has already zero-padded (so no bounds checks): each of `planes` input planes is
// [hp, wp], each output plane [oh, ow], each channel's kernel [kh, kw] (plane p uses kernel
// p % channels). Rows run four outputs at a time with f32x4 when the column stride is 1.
// Not the reference (src/qat/ops-conv.ts's loops are) and not bias or cropping.

/** y[p, oy, ox] = sum over taps of w[c, ky, kx] xp[p, oy sh + ky dh, ox sw + kx dw]. */
export function dwForward(
  xp: usize,
  wp: usize,
  yp: usize,
  planes: i32,
  channels: i32,
  hp: i32,
  wpad: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
): void {
  const ow4 = sw == 1 ? ow & ~3 : 0;
  for (let p = 0; p < planes; p++) {
    const x = xp + ((<usize>p * <usize>hp * <usize>wpad) << 2);
    const y = yp + ((<usize>p * <usize>oh * <usize>ow) << 2);
    const w = wp + ((<usize>(p % channels) * <usize>kh * <usize>kw) << 2);
    memory.fill(y, 0, (<usize>oh * <usize>ow) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const wv = load<f32>(w + ((<usize>(ky * kw + kx)) << 2));
        const ws = f32x4.splat(wv);
        for (let oy = 0; oy < oh; oy++) {
          const xrow = x + ((<usize>((oy * sh + ky * dh) * wpad + kx * dw)) << 2);
          const yrow = y + ((<usize>(oy * ow)) << 2);
          let ox = 0;
          for (; ox < ow4; ox += 4) {
            const q = yrow + ((<usize>ox) << 2);
            v128.store(
              q,
              f32x4.add(v128.load(q), f32x4.mul(ws, v128.load(xrow + ((<usize>ox) << 2)))),
            );
          }
          for (; ox < ow; ox++) {
            const q = yrow + ((<usize>ox) << 2);
            store<f32>(q, load<f32>(q) + wv * load<f32>(xrow + ((<usize>(ox * sw)) << 2)));
          }
        }
      }
    }
  }
}

/** dxp[p] (padded, zeroed by the caller) += the transpose of dwForward applied to g. */
export function dwBackwardData(
  gp: usize,
  wp: usize,
  dxp: usize,
  planes: i32,
  channels: i32,
  hp: i32,
  wpad: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
): void {
  const ow4 = sw == 1 ? ow & ~3 : 0;
  for (let p = 0; p < planes; p++) {
    const dx = dxp + ((<usize>p * <usize>hp * <usize>wpad) << 2);
    const g = gp + ((<usize>p * <usize>oh * <usize>ow) << 2);
    const w = wp + ((<usize>(p % channels) * <usize>kh * <usize>kw) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const wv = load<f32>(w + ((<usize>(ky * kw + kx)) << 2));
        const ws = f32x4.splat(wv);
        for (let oy = 0; oy < oh; oy++) {
          const xrow = dx + ((<usize>((oy * sh + ky * dh) * wpad + kx * dw)) << 2);
          const grow = g + ((<usize>(oy * ow)) << 2);
          let ox = 0;
          for (; ox < ow4; ox += 4) {
            const q = xrow + ((<usize>ox) << 2);
            v128.store(
              q,
              f32x4.add(v128.load(q), f32x4.mul(ws, v128.load(grow + ((<usize>ox) << 2)))),
            );
          }
          for (; ox < ow; ox++) {
            const q = xrow + ((<usize>(ox * sw)) << 2);
            store<f32>(q, load<f32>(q) + wv * load<f32>(grow + ((<usize>ox) << 2)));
          }
        }
      }
    }
  }
}

/** dwgt[c, ky, kx] (zeroed by the caller) += sum over planes of channel c of g . shifted xp. */
export function dwBackwardWeight(
  xp: usize,
  gp: usize,
  dwgt: usize,
  planes: i32,
  channels: i32,
  hp: i32,
  wpad: i32,
  oh: i32,
  ow: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
): void {
  const ow4 = sw == 1 ? ow & ~3 : 0;
  for (let p = 0; p < planes; p++) {
    const x = xp + ((<usize>p * <usize>hp * <usize>wpad) << 2);
    const g = gp + ((<usize>p * <usize>oh * <usize>ow) << 2);
    const w = dwgt + ((<usize>(p % channels) * <usize>kh * <usize>kw) << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        let acc = f32x4.splat(0);
        let tail: f32 = 0;
        for (let oy = 0; oy < oh; oy++) {
          const xrow = x + ((<usize>((oy * sh + ky * dh) * wpad + kx * dw)) << 2);
          const grow = g + ((<usize>(oy * ow)) << 2);
          let ox = 0;
          for (; ox < ow4; ox += 4) {
            acc = f32x4.add(
              acc,
              f32x4.mul(v128.load(grow + ((<usize>ox) << 2)), v128.load(xrow + ((<usize>ox) << 2))),
            );
          }
          for (; ox < ow; ox++) {
            tail +=
              load<f32>(grow + ((<usize>ox) << 2)) * load<f32>(xrow + ((<usize>(ox * sw)) << 2));
          }
        }
        const sum =
          f32x4.extract_lane(acc, 0) +
          f32x4.extract_lane(acc, 1) +
          f32x4.extract_lane(acc, 2) +
          f32x4.extract_lane(acc, 3) +
          tail;
        const q = w + ((<usize>(ky * kw + kx)) << 2);
        store<f32>(q, load<f32>(q) + sum);
      }
    }
  }
}

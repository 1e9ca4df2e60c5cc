// Fake quantization for training: the forward pass is exactly core's quantize-then-dequantize
// (float32 division, clamp, round half to even, the qtype's saturation range), the backward pass
// gives the clipped straight-through estimator for x, LSQ's scale gradient and LSQ+'s zero-point
// gradient (zero-point form, as PyTorch's learnable fake-quant). Not the graph op wrapper
// (fake-quant-op.ts) and not the choice of initial scales (the PTQ recipe's).
import {
  fail,
  forEachRun,
  layoutOf,
  QTYPE_NAMES,
  QTYPES,
  ROUNDING_MAGIC,
  type Granularity,
  type Layout,
  type QType,
} from '../core/index.js';
import { fakeQuantizeFast } from '../kernels/index.js';

const MAGIC = ROUNDING_MAGIC;

/** How one fake-quant node quantizes: the saturation range, granularity, what is learned. */
export interface FakeQuantSpec {
  /** The qtype's saturation range (the stored integers' type, not a narrowed grid). */
  readonly qmin: number;
  readonly qmax: number;
  readonly granularity: Granularity;
  /** When true the zero point is a learned float, rounded half to even in the forward pass. */
  readonly learnZeroPoint: boolean;
  /**
   * LSQ's gradient scale g multiplying the scale and zero-point gradients; default
   * lsqGradScale(x.length, qmax), PyTorch's `grad_factor` as its _LearnableFakeQuantize sets it.
   */
  readonly gradScale?: number;
}

/** LSQ's 1/sqrt(N * qmax), N the element count of the whole tensor (PyTorch's definition). */
export function lsqGradScale(count: number, qmax: number): number {
  return qmax > 0 && count > 0 ? 1 / Math.sqrt(count * qmax) : 1;
}

/** A learned float zero point as the forward pass uses it: rounded half to even, clamped. */
export function roundZeroPoint(zeroPoint: number, qmin: number, qmax: number): number {
  const r = zeroPoint + MAGIC - MAGIC;
  return r < qmin ? qmin : r > qmax ? qmax : r;
}

function checkParams(n: number, shape: readonly number[], spec: FakeQuantSpec, groups: number) {
  const layout = layoutOf(shape, spec.granularity);
  if (layout.outer * layout.length * layout.inner !== n) {
    fail('bad-shape', `fake-quant input has ${n} values but shape [${shape.join(', ')}]`);
  }
  if (layout.groups !== groups) {
    fail('bad-shape', `fake-quant expects ${layout.groups} scales, got ${groups}`);
  }
  return layout;
}

/**
 * core's forEachRun, except that a per-axis layout along the last axis (inner 1: a MatMul
 * weight's columns) is walked as one run per row with the group stepping by one, not one
 * call per value (the recognizer's 120 x 6625 head took 795k calls a pass). Same order.
 */
function eachRun(
  layout: Layout,
  granularity: Granularity,
  visit: (start: number, count: number, group: number, groupStride: 0 | 1) => void,
): void {
  if (granularity.kind !== 'per-axis' || layout.inner !== 1) {
    forEachRun(layout, granularity, visit);
    return;
  }
  for (let o = 0; o < layout.outer; o++) visit(o * layout.length, layout.length, 0, 1);
}

/**
 * The integer zero points of `zeroPoint` (f32 [groups], or one value for every group) for this
 * spec. A one-value zero point read as [groups] left groups past the first with an undefined
 * zero point: no clamping forward and NaN scale gradients (the int32 bias grid's, issue 12).
 */
function zeroPoints(zeroPoint: Float32Array, spec: FakeQuantSpec, groups: number): Float64Array {
  if (zeroPoint.length !== groups && zeroPoint.length !== 1)
    fail('bad-shape', `fake-quant expects 1 or ${groups} zero points, got ${zeroPoint.length}`);
  const rounded = Float64Array.from(zeroPoint, (z) => roundZeroPoint(z, spec.qmin, spec.qmax));
  return rounded.length === groups ? rounded : new Float64Array(groups).fill(rounded[0]!);
}

/** The qtype whose saturation range is [qmin, qmax] (the int32 bias grid has none). */
function qtypeOfRange(qmin: number, qmax: number): QType | undefined {
  return QTYPE_NAMES.find((q) => QTYPES[q].qmin === qmin && QTYPES[q].qmax === qmax);
}

let fastPath = true;

/** Turns the SIMD forward off (tests compare it with the loop); returns the previous setting. */
export function setFakeQuantFastPath(on: boolean): boolean {
  const previous = fastPath;
  fastPath = on;
  return previous;
}

/**
 * x: f32 [shape], scale f32 [groups], zeroPoint f32 [groups] -> y f32 [shape], where
 * y = (saturate(round_half_even(x / scale) + zp) - zp) * scale, exactly core's fakeQuantize:
 * through kernels' WebAssembly SIMD fake-quant (the same bits) where the range is a qtype's,
 * else (the int32 bias grid, fast path off) the loop below, which is also its fallback.
 */
export function fakeQuantForward(
  x: Float32Array,
  shape: readonly number[],
  spec: FakeQuantSpec,
  scale: Float32Array,
  zeroPoint: Float32Array,
  into?: Float32Array,
): Float32Array {
  const layout = checkParams(x.length, shape, spec, scale.length);
  const zp = zeroPoints(zeroPoint, spec, scale.length);
  const qtype = fastPath ? qtypeOfRange(spec.qmin, spec.qmax) : undefined;
  if (qtype !== undefined) {
    const { granularity } = spec;
    const zeroPoints32 = Int32Array.from(zp);
    const params = { qtype, granularity, scale, zeroPoint: zeroPoints32, grid: QTYPES[qtype] };
    return fakeQuantizeFast(x, shape, params, into);
  }
  const y = into ?? new Float32Array(x.length);
  eachRun(layout, spec.granularity, (start, count, group, step) => {
    if (step === 0) {
      // One group per run (per tensor, per axis): its scale and range read once.
      const s = scale[group]!;
      const lo = spec.qmin - zp[group]!;
      const hi = spec.qmax - zp[group]!;
      for (let i = start; i < start + count; i++) {
        let v = Math.fround(x[i]! / s);
        if (v > hi) v = hi;
        else if (v < lo) v = lo;
        else if (v !== v) v = 0;
        y[i] = (v + MAGIC - MAGIC) * s + 0;
      }
      return;
    }
    let g = group;
    for (let i = start; i < start + count; i++, g += step) {
      const s = scale[g]!;
      const z = zp[g]!;
      const lo = spec.qmin - z;
      const hi = spec.qmax - z;
      let v = Math.fround(x[i]! / s);
      if (v > hi) v = hi;
      else if (v < lo) v = lo;
      else if (v !== v) v = 0;
      // + 0 turns -0 into +0, as the integer round trip does.
      y[i] = (v + MAGIC - MAGIC) * s + 0;
    }
  });
  return y;
}

/** Gradients of a fake-quant node; each present only when asked for. */
export interface FakeQuantGrads {
  readonly x?: Float32Array;
  readonly scale?: Float32Array;
  readonly zeroPoint?: Float32Array;
}

/**
 * Given dL/dy, the gradients (q = round(x / s) + zp before clamping, g = the gradient scale):
 * - x: dy where qmin <= q <= qmax, else 0 (clipped STE; NaN x gets 0);
 * - scale: g * dy * (y - x) / s inside, g * dy * (qmin - zp or qmax - zp) outside (LSQ);
 * - zeroPoint: 0 inside, -g * dy * s outside (LSQ+ in zero-point form; round's STE cancels
 *   the -zp of the dequantization inside). Sums over each group, in float64.
 */
export function fakeQuantBackward(
  x: Float32Array,
  shape: readonly number[],
  spec: FakeQuantSpec,
  scale: Float32Array,
  zeroPoint: Float32Array,
  dy: Float32Array,
  needs: { readonly x: boolean; readonly scale: boolean; readonly zeroPoint: boolean },
): FakeQuantGrads {
  const layout = checkParams(x.length, shape, spec, scale.length);
  if (dy.length !== x.length) {
    fail('bad-shape', `fake-quant gradient has ${dy.length} values, expected ${x.length}`);
  }
  const zp = zeroPoints(zeroPoint, spec, scale.length);
  const g = spec.gradScale ?? lsqGradScale(x.length, spec.qmax);
  const dx = needs.x ? new Float32Array(x.length) : undefined;
  const ds = needs.scale ? new Float64Array(scale.length) : undefined;
  const dz = needs.zeroPoint ? new Float64Array(scale.length) : undefined;
  const { qmin, qmax } = spec;
  eachRun(layout, spec.granularity, (start, count, group, step) => {
    if (step === 0) {
      // One group per run (per tensor, per axis): sums in locals, the same order as below.
      const s = scale[group]!;
      const z = zp[group]!;
      let sumS = ds?.[group] ?? 0;
      let sumZ = dz?.[group] ?? 0;
      for (let i = start; i < start + count; i++) {
        const xi = x[i]!;
        if (xi !== xi) continue;
        const d = dy[i]!;
        const v = Math.fround(xi / s);
        const q = Math.abs(v) < 2 ** 51 ? v + MAGIC - MAGIC + z : v;
        if (q >= qmin && q <= qmax) {
          if (dx !== undefined) dx[i] = d;
          sumS += d * ((Math.fround((q - z) * s) - xi) / s);
        } else {
          sumS += d * ((q < qmin ? qmin : qmax) - z);
          sumZ -= d * s;
        }
      }
      if (ds !== undefined) ds[group] = sumS;
      if (dz !== undefined) dz[group] = sumZ;
      return;
    }
    let k = group;
    for (let i = start; i < start + count; i++, k += step) {
      const xi = x[i]!;
      if (xi !== xi) continue;
      const s = scale[k]!;
      const z = zp[k]!;
      const d = dy[i]!;
      const v = Math.fround(xi / s);
      // Beyond 2^51 the rounding trick does not apply, but such a value is outside any range.
      const q = Math.abs(v) < 2 ** 51 ? v + MAGIC - MAGIC + z : v;
      if (q >= qmin && q <= qmax) {
        if (dx !== undefined) dx[i] = d;
        if (ds !== undefined) ds[k] = ds[k]! + d * ((Math.fround((q - z) * s) - xi) / s);
      } else {
        if (ds !== undefined) ds[k] = ds[k]! + d * ((q < qmin ? qmin : qmax) - z);
        if (dz !== undefined) dz[k] = dz[k]! - d * s;
      }
    }
  });
  const scaled = (sum: Float64Array) => Float32Array.from(sum, (v) => v * g);
  // A one-value zero point shared by every group gets the sum of their gradients.
  const shared = (sum: Float64Array) =>
    zeroPoint.length === sum.length ? sum : Float64Array.of(sum.reduce((a, b) => a + b, 0));
  return {
    ...(dx === undefined ? {} : { x: dx }),
    ...(ds === undefined ? {} : { scale: scaled(ds) }),
    ...(dz === undefined
      ? {}
      : {
          zeroPoint: spec.learnZeroPoint ? scaled(shared(dz)) : new Float32Array(zeroPoint.length),
        }),
  };
}

// Recomputes derived tensors (derived-tensors.ts) on the observer side from the tensors a batch
// brought: float32 Add/Sub/Mul/Div with ONNX multidirectional broadcasting, Clip, and copies.
// Each result is the correctly rounded float32 of the exact one, as onnxruntime's element-wise
// kernels compute it (a double result rounded to float32 is: 53 >= 2 x 24 + 2 bits). Results go
// into buffers reused from batch to batch. Not the choice of what to derive.
import { fail } from '../core/index.js';
import type { DeriveOperand, DerivedTensor } from './derived-tensors.js';

/** A float32 tensor of a batch. */
export interface BatchTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/**
 * Adds each recipe's tensor to `tensors`, in order; a recipe whose source is absent (not
 * float32) is skipped. `scratch` holds the buffers, by tensor, for the next batch to reuse.
 */
export function deriveTensors(
  recipes: readonly DerivedTensor[],
  tensors: Map<string, BatchTensor>,
  scratch: Map<string, Float32Array>,
): void {
  for (const r of recipes) {
    if (r.op === 'Copy') {
      const x = tensors.get(r.x);
      if (x !== undefined) tensors.set(r.tensor, x);
      continue;
    }
    if (r.op === 'Clip') {
      const x = tensors.get(r.x);
      if (x === undefined) continue;
      const out = buffer(scratch, r.tensor, x.data.length);
      clip(x.data, r.min, r.max, out);
      tensors.set(r.tensor, { dims: x.dims, data: out });
      continue;
    }
    const a = operand(r.a, tensors);
    const b = operand(r.b, tensors);
    if (a === undefined || b === undefined) continue;
    const dims = broadcastDims(a.dims, b.dims, r.tensor);
    const out = buffer(
      scratch,
      r.tensor,
      dims.reduce((p, d) => p * d, 1),
    );
    binary(r.op, a, b, dims, out);
    tensors.set(r.tensor, { dims, data: out });
  }
}

function operand(o: DeriveOperand, tensors: Map<string, BatchTensor>): BatchTensor | undefined {
  return 'tensor' in o ? tensors.get(o.tensor) : { dims: o.dims, data: o.values };
}

/** A view of `length` values on the tensor's buffer, grown (never shrunk) as batches need. */
function buffer(scratch: Map<string, Float32Array>, name: string, length: number): Float32Array {
  let held = scratch.get(name);
  if (held === undefined || held.length < length) {
    held = new Float32Array(Math.max(length, Math.ceil((held?.length ?? 0) * 1.25)));
    scratch.set(name, held);
  }
  return held.length === length ? held : held.subarray(0, length);
}

/**
 * y = min(max(x, lo), hi) as std::max / std::min (and so onnxruntime's Clip and Relu) give it:
 * x itself unless strictly outside, so -0 stays -0 on a bound of 0 and NaN stays NaN.
 */
function clip(x: Float32Array, lo: number, hi: number, y: Float32Array): void {
  if (lo <= hi) return clipBits(x, lo, hi, y);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v < lo ? lo : hi < v ? hi : v;
  }
}

/** The float32 bits as an int32 key whose order is the floats' (-0 just below +0, NaN outside). */
function orderKey(bits: number): number {
  return bits ^ ((bits >> 31) & 0x7fffffff);
}

/**
 * clip's loop without branches, on the bits (lo <= hi, not NaN): v < lo holds for keys in
 * [key(-Inf), key(lo)), hi < v for keys in (key(hi), key(+Inf)], with a zero bound compared as
 * -0 below and +0 above (IEEE: -0 < 0 is false). The branchy loop mispredicts on activations
 * whose signs alternate and ran 4x slower (bench calibrate's derive).
 */
function clipBits(x: Float32Array, lo: number, hi: number, y: Float32Array): void {
  const bitsOf = (v: number) => new Int32Array(Float32Array.of(v).buffer)[0]!;
  const [loBits, hiBits] = [bitsOf(lo), bitsOf(hi)];
  const minKey = orderKey(bitsOf(-Infinity));
  // Keys below lo: minKey + [0, belowSpan); above hi: hiKey + (0, aboveSpan]; unsigned spans.
  const belowSpan = ((lo === 0 ? -1 : orderKey(loBits)) - minKey) >>> 0;
  const hiKey = hi === 0 ? 0 : orderKey(hiBits);
  const aboveSpan = (orderKey(bitsOf(Infinity)) - hiKey) >>> 0;
  const xi = new Int32Array(x.buffer, x.byteOffset, x.length);
  const yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < xi.length; i++) {
    const b = xi[i]!;
    const key = b ^ ((b >> 31) & 0x7fffffff);
    const below = -+(((key - minKey) | 0) >>> 0 < belowSpan);
    const above = -+(((key - hiKey - 1) | 0) >>> 0 < aboveSpan);
    yi[i] = (b & ~(below | above)) | (loBits & below) | (hiBits & above);
  }
}

/** ONNX multidirectional broadcasting (Broadcasting.md) of two shapes. */
export function broadcastDims(
  a: readonly number[],
  b: readonly number[],
  tensor: string,
): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const x = a[i - rank + a.length] ?? 1;
    const y = b[i - rank + b.length] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      fail(
        'bad-calibration-data',
        `tensor '${tensor}': shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`,
        {
          tensor,
        },
      );
    }
    return x === 1 ? y : x;
  });
}

type Op = 'Add' | 'Sub' | 'Mul' | 'Div';

/** out = a op b over `dims`; a and b broadcast to dims. */
function binary(
  op: Op,
  a: BatchTensor,
  b: BatchTensor,
  dims: readonly number[],
  out: Float32Array,
): void {
  const n = out.length;
  if (a.data.length === n && b.data.length === n)
    return span(op, a.data, 0, 1, b.data, 0, 1, out, 0, n);
  if (b.data.length === 1) return span(op, a.data, 0, 1, b.data, 0, 0, out, 0, n);
  if (a.data.length === 1) return span(op, a.data, 0, 0, b.data, 0, 1, out, 0, n);
  const rank = dims.length;
  const strides = (d: readonly number[]): number[] => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = rank - 1; i >= 0; i--) {
      const size = d[i - rank + d.length] ?? 1;
      s[i] = size === 1 ? 0 : acc;
      acc *= size;
    }
    return s;
  };
  const sa = strides(a.dims);
  const sb = strides(b.dims);
  const inner = dims[rank - 1] ?? 1;
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o += inner) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < rank - 1; i++) {
      ia += index[i]! * sa[i]!;
      ib += index[i]! * sb[i]!;
    }
    span(op, a.data, ia, sa[rank - 1] ?? 0, b.data, ib, sb[rank - 1] ?? 0, out, o, inner);
    for (let i = rank - 2; i >= 0; i--) {
      if (++index[i]! < dims[i]!) break;
      index[i] = 0;
    }
  }
}

/** out[o + k] = a[ia + k da] op b[ib + k db] for k < count (da, db: 0 or 1). */
function span(
  op: Op,
  a: Float32Array,
  ia: number,
  da: number,
  b: Float32Array,
  ib: number,
  db: number,
  out: Float32Array,
  o: number,
  count: number,
): void {
  if (op === 'Add') for (let k = 0; k < count; k++) out[o + k] = a[ia + k * da]! + b[ib + k * db]!;
  else if (op === 'Sub')
    for (let k = 0; k < count; k++) out[o + k] = a[ia + k * da]! - b[ib + k * db]!;
  else if (op === 'Mul')
    for (let k = 0; k < count; k++) out[o + k] = a[ia + k * da]! * b[ib + k * db]!;
  else for (let k = 0; k < count; k++) out[o + k] = a[ia + k * da]! / b[ib + k * db]!;
}

// Histogram binning through the WebAssembly SIMD kernel: adds the finite values of a float32
// batch to the counts of a grid that already covers them, count for count as the checking loop
// of src/observers/histogram.ts (the reference and fallback, which the observer keeps). Not the
// grid's choice or growth, which stay in observers/.
import { CHUNK, wasmKernels } from './instance.js';
import { residentAt } from './resident.js';

/** Where values fall: torch.histc's unit position on a lattice, then a grid of 2^exponent units. */
export interface BinGrid {
  /** Lattice origin and top (float32 values, origin < top) and the bin count. */
  readonly origin: number;
  readonly top: number;
  readonly bins: number;
  /** The grid: bin j covers units [start + j 2^exponent, start + (j + 1) 2^exponent). */
  readonly start: number;
  readonly exponent: number;
}

/** What the caller knows of a batch, which lets the kernel skip checks that would change nothing. */
export interface BatchFacts {
  /** True when every value is finite (no NaN, no infinity). */
  readonly finite: boolean;
  /** The greatest finite value. */
  readonly max: number;
}

/** torch.histc's float32 unit position of v on the lattice. */
function position(g: BinGrid, v: number): number {
  const span = Math.fround(g.top - g.origin);
  return Math.fround(Math.fround(Math.fround(v - g.origin) * g.bins) / span);
}

/**
 * Adds one count per finite value of x (f32) into `counts` (f64 [bins]) on grid `g`: bin
 * trunc((t - start) 2^-exponent) of its unit position t, the lattice's top in the bin of unit
 * bins - 1, others clamped to [0, bins - 1]. The grid must cover x's finite values (binning
 * outside it clamps where the reference's int32 truncation would wrap). `batch`, when given,
 * must hold for x. False (nothing added) when there is no fast path or the top's bin is off the
 * grid.
 */
export function histogramAddFast(
  x: Float32Array,
  g: BinGrid,
  counts: Float64Array,
  batch?: BatchFacts,
): boolean {
  const fast = wasmKernels();
  const resident = residentAt(x); // read where it lives, in the shared instance
  const k = fast === undefined ? undefined : (resident?.kernels ?? fast);
  const invF = 2 ** -g.exponent;
  if (k === undefined) return false;
  const bins = g.bins;
  const stride = bins + 1;
  const atTop = Math.floor((bins - 1 - g.start) * invF);
  if (!(atTop >= 0 && atTop < bins)) return false;
  // four lane-private counts, then 176 bytes the kernel keeps its loop constants in; the f64
  // counts, which the kernel adds the lanes into (histogramFlush)
  const [hp, cp, xp] = k.reserve([4 * stride * 4 + 176, bins * 8, CHUNK * 4]) as [
    number,
    number,
    number,
  ];
  const buffer = k.buffer;
  new Int32Array(buffer, hp, 4 * stride).fill(0);
  const view = new Float32Array(buffer, xp, CHUNK);
  const span = Math.fround(g.top - g.origin);
  const tTop = position(g, g.top);
  const finite = batch?.finite === true ? 1 : 0;
  const belowTop = batch !== undefined && position(g, batch.max) < tTop ? 1 : 0;
  const at = resident?.offset;
  for (let s = 0; s < x.length; s += CHUNK) {
    const c = Math.min(CHUNK, x.length - s);
    if (at === undefined) view.set(x.subarray(s, s + c));
    k.exports.histogramChunk(
      at === undefined ? xp : at + s * 4,
      c,
      hp,
      bins,
      g.origin,
      span,
      g.start,
      g.exponent,
      tTop,
      atTop,
      finite,
      belowTop,
    );
  }
  const sums = new Float64Array(buffer, cp, bins);
  sums.set(counts);
  k.exports.histogramFlush(hp, bins, cp);
  counts.set(sums);
  return true;
}

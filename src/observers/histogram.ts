// A mergeable histogram of the finite values of float32 batches: `bins` bins (2048 by default)
// on a grid that widens by powers of two as data arrives, re-binning old counts exactly, plus
// the exact min and max. Constant data is kept as a point mass until a second value appears.
// Not a range method (percentile.ts, entropy.ts, mse.ts read its snapshot) and not an Observer.
import { fail } from '../core/index.js';
import { histogramAddFast } from '../kernels/index.js';
import {
  binOf,
  coverGrid,
  rebinExact,
  sameGrid,
  spreadInterval,
  unitPosition,
  type Grid,
  type Lattice,
} from './histogram-grid.js';
import { addCounts, NO_VALUES, type TensorRange, type ValueCounts } from './observer.js';
import { scan } from './scan.js';

/** Histogram options: the bin count, and an optional grid to start from (see `range`). */
export interface HistogramOptions {
  /** Number of bins, an integer in [2, 2^20]; 2048 by default (PyTorch's and TensorRT's). */
  readonly bins?: number;
  /**
   * Lays the first grid over [min, max] instead of over the first batch. Histograms given
   * the same range share bin edges, so merging them is exact, not just within a bin.
   */
  readonly range?: TensorRange;
}

/** What range methods read: bin j covers [lo + j width, lo + (j + 1) width]. */
export interface HistogramSnapshot {
  readonly lo: number;
  /** 0 when every value seen is equal (then `counts` is all zeros). */
  readonly width: number;
  /** f64 [bins]; whole numbers except after merging histograms on different grids. */
  readonly counts: Float64Array;
  /** Exact extremes of the finite values ([0, 0] when there are none). */
  readonly min: number;
  readonly max: number;
  /** Number of finite values. */
  readonly total: number;
}

/** A histogram state; see the file comment for its grid. */
export class Histogram {
  readonly bins: number;
  /** Exact extremes of the finite values, +Inf / -Inf while there are none. */
  min = Infinity;
  max = -Infinity;
  seen: ValueCounts = NO_VALUES;
  /** The grid the `range` option asks for, kept inside the grid from then on. */
  fixed: TensorRange | undefined;
  /** Undefined while every finite value seen is equal (a point mass at `min`). */
  lattice: Lattice | undefined;
  grid: Grid = { exponent: 0, start: 0 };
  counts: Float64Array;
  private scratch: Float64Array | undefined;

  constructor(options: HistogramOptions = {}) {
    this.bins = options.bins ?? 2048;
    if (!Number.isInteger(this.bins) || this.bins < 2 || this.bins > 2 ** 20) {
      fail('bad-argument', `bins must be an integer in [2, 2^20], got ${options.bins}`);
    }
    this.counts = new Float64Array(this.bins);
    if (options.range !== undefined) {
      const min = Math.fround(options.range.min) + 0;
      const max = Math.fround(options.range.max) + 0;
      if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) {
        fail(
          'bad-argument',
          `histogram range [${options.range.min}, ${options.range.max}] is empty`,
        );
      }
      checkSpan(min, max, this.bins);
      this.fixed = { min, max };
      this.lattice = { origin: min, top: max, bins: this.bins };
    }
  }

  /** Adds the finite values of x (f32); NaN and +-Inf are only counted. */
  observe(x: Float32Array): void {
    const s = scan(x);
    if (s.finite > 0) {
      const lo = Math.min(this.min, s.min);
      const hi = Math.max(this.max, s.max);
      if (this.lattice !== undefined || lo !== hi) {
        this.cover(lo, hi);
        this.add(x, s.nan + s.infinite > 0, s.max);
      }
      this.min = lo;
      this.max = hi;
    }
    this.seen = addCounts(this.seen, s);
  }

  /**
   * Adds everything `other` holds. On the same lattice (same `range`, or copies of one
   * histogram) the result equals observing both inputs: exact. Otherwise each of other's
   * bins is spread uniformly over its interval, moving no value by more than that bin's width.
   */
  merge(other: Histogram): void {
    if (other.seen.finite > 0) {
      const lo = Math.min(this.min, other.min);
      const hi = Math.max(this.max, other.max);
      if (other.lattice === undefined) {
        if (this.lattice !== undefined || lo !== hi) {
          this.cover(lo, hi);
          this.counts[binOf(this.lattice!, this.grid, other.min)]! += other.seen.finite;
        }
      } else if (this.lattice === undefined) {
        const [value, count] = [this.min, this.seen.finite];
        this.lattice = other.lattice;
        this.fixed = other.fixed;
        this.grid = other.grid;
        this.counts = other.counts.slice();
        // Until the point mass is added the state is other's: cover() may spread a snapshot.
        this.min = other.min;
        this.max = other.max;
        this.cover(lo, hi);
        if (count > 0) this.counts[binOf(this.lattice, this.grid, value)]! += count;
      } else {
        const f = sameLattice(this.lattice, other.lattice) ? other.fixed : undefined;
        this.cover(Math.min(lo, f?.min ?? lo), Math.max(hi, f?.max ?? hi));
        if (sameLattice(this.lattice, other.lattice) && this.grid.exponent >= other.grid.exponent) {
          rebinExact(other.counts, other.grid, this.counts, this.grid);
        } else {
          this.spread(other.snapshot());
        }
      }
      this.min = lo;
      this.max = hi;
    }
    this.seen = addCounts(this.seen, other.seen);
  }

  /**
   * Makes the grid cover [lo, hi] and the `range` option. With no lattice yet (lo < hi), lays
   * one over [lo, hi] and places the point mass held so far. If the grid would have to grow
   * past what float32 unit positions hold, starts a new lattice and spreads the old counts.
   */
  private cover(lo: number, hi: number): void {
    const l = Math.min(lo, this.fixed?.min ?? lo);
    const h = Math.max(hi, this.fixed?.max ?? hi);
    checkSpan(l, h, this.bins);
    if (this.lattice === undefined) {
      this.lattice = { origin: l, top: h, bins: this.bins };
      this.grid = { exponent: 0, start: 0 };
      if (this.seen.finite > 0) {
        this.counts[binOf(this.lattice, this.grid, this.min)]! += this.seen.finite;
      }
      return;
    }
    const grid = coverGrid(this.lattice, this.grid.exponent, l, h);
    if (grid === undefined) {
      const old = this.snapshot();
      this.lattice = { origin: l, top: h, bins: this.bins };
      this.grid = { exponent: 0, start: 0 };
      this.counts = new Float64Array(this.bins);
      this.spread(old);
      return;
    }
    if (sameGrid(grid, this.grid)) return;
    const counts = new Float64Array(this.bins);
    rebinExact(this.counts, this.grid, counts, grid);
    this.counts = counts;
    this.grid = grid;
  }

  /** Adds the bins of a snapshot on another lattice, each spread over its interval. */
  private spread(o: HistogramSnapshot): void {
    for (let j = 0; j < o.counts.length; j++) {
      const c = o.counts[j]!;
      if (c === 0) continue;
      const l = Math.max(o.min, o.lo + j * o.width);
      const r = Math.min(o.max, o.lo + (j + 1) * o.width);
      spreadInterval(this.lattice!, this.grid, this.counts, l, Math.max(l, r), c);
    }
  }

  /**
   * Bins x (f32) on the current grid, which holds its finite values. Four partial
   * histograms break the store-to-load chains of repeated bins. The unrolled loop handles
   * the lattice's top position only through its clamp, so it runs when that suffices (always
   * on the first grid) or when x has no value there; otherwise, and when x holds NaN or Inf,
   * the checking loop bins every value.
   */
  private add(x: Float32Array, checked: boolean, max: number): void {
    const lattice = this.lattice!;
    const batch = { finite: !checked, max };
    if (histogramAddFast(x, { ...lattice, ...this.grid }, this.counts, batch)) return;
    const { origin, top } = lattice;
    const bins = this.bins;
    const last = bins - 1;
    const span = Math.fround(top - origin);
    const start = this.grid.start;
    const invF = 2 ** -this.grid.exponent;
    const tTop = unitPosition(lattice, top);
    const atTop = Math.floor((bins - 1 - start) * invF);
    const fastTop = ((tTop - start) * invF) | 0;
    const topIsFast = fastTop === atTop || fastTop > last || unitPosition(lattice, max) < tTop;
    const h = (this.scratch ??= new Float64Array(4 * bins)).fill(0);
    const n = checked || !topIsFast ? 0 : x.length & ~3;
    for (let i = 0; i < n; i += 4) {
      // torch.histc's float32 ((x - min) * bins) / (max - min), then the grid's bin.
      let b0 =
        ((Math.fround(Math.fround(Math.fround(x[i]! - origin) * bins) / span) - start) * invF) | 0;
      let b1 =
        ((Math.fround(Math.fround(Math.fround(x[i + 1]! - origin) * bins) / span) - start) * invF) |
        0;
      let b2 =
        ((Math.fround(Math.fround(Math.fround(x[i + 2]! - origin) * bins) / span) - start) * invF) |
        0;
      let b3 =
        ((Math.fround(Math.fround(Math.fround(x[i + 3]! - origin) * bins) / span) - start) * invF) |
        0;
      if (b0 >>> 0 > last) b0 = b0 < 0 ? 0 : atTop;
      if (b1 >>> 0 > last) b1 = b1 < 0 ? 0 : atTop;
      if (b2 >>> 0 > last) b2 = b2 < 0 ? 0 : atTop;
      if (b3 >>> 0 > last) b3 = b3 < 0 ? 0 : atTop;
      h[b0]!++;
      h[b1 + bins]!++;
      h[b2 + 2 * bins]!++;
      h[b3 + 3 * bins]!++;
    }
    for (let i = n; i < x.length; i++) {
      const v = x[i]!;
      if (v - v !== 0) continue; // NaN or +-Inf
      const t = Math.fround(Math.fround(Math.fround(v - origin) * bins) / span);
      let b = ((t - start) * invF) | 0;
      if (t === tTop) b = atTop;
      else if (b >>> 0 > last) b = b < 0 ? 0 : last;
      h[b]!++;
    }
    const counts = this.counts;
    for (let j = 0; j < bins; j++) {
      counts[j]! += h[j]! + h[j + bins]! + h[j + 2 * bins]! + h[j + 3 * bins]!;
    }
  }

  /** The state range methods read. */
  snapshot(): HistogramSnapshot {
    const total = this.seen.finite;
    const min = total === 0 ? 0 : this.min;
    const max = total === 0 ? 0 : this.max;
    if (this.lattice === undefined) {
      return { lo: min, width: 0, counts: new Float64Array(this.bins), min, max, total };
    }
    const { origin, top, bins } = this.lattice;
    const unit = (top - origin) / bins;
    const lo = origin + this.grid.start * unit;
    return { lo, width: unit * 2 ** this.grid.exponent, counts: this.counts, min, max, total };
  }
}

/** Fails unless (max - min) * bins is a finite float32, as unit positions need. */
function checkSpan(min: number, max: number, bins: number): void {
  if (!Number.isFinite(Math.fround(Math.fround(max - min) * bins))) {
    fail('bad-calibration-data', `values [${min}, ${max}] span more than float32 can hold`);
  }
}

/** True when two lattices have the same units, so their grids align. */
export function sameLattice(a: Lattice, b: Lattice): boolean {
  return a.origin === b.origin && a.top === b.top && a.bins === b.bins;
}

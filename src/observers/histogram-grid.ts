// The bin grid of a histogram: a lattice of units fixed once (origin and top of the first
// non-constant data, unit = (top - origin) / bins) and a grid of `bins` bins of 2^exponent
// units starting at a multiple of 2^exponent, so a wider grid re-bins old counts exactly.
// Values map to units with the float32 arithmetic of torch.histc, so a first batch bins exactly
// as PyTorch's HistogramObserver bins it. Not the histogram's state: see histogram.ts.

/** The unit lattice: `top` maps to unit `bins`; both are float32 values with top > origin. */
export interface Lattice {
  readonly origin: number;
  readonly top: number;
  readonly bins: number;
}

/** A grid on a lattice: bin j covers units [start + j 2^exponent, start + (j + 1) 2^exponent). */
export interface Grid {
  readonly exponent: number;
  readonly start: number;
}

/**
 * Position of x in lattice units, as torch.histc computes a bin (aten HistogramKernel):
 * float32 ((x - min) * bins) / (max - min). Monotone in x.
 */
export function unitPosition(lattice: Lattice, x: number): number {
  const span = Math.fround(lattice.top - lattice.origin);
  return Math.fround(Math.fround(Math.fround(x - lattice.origin) * lattice.bins) / span);
}

/**
 * The unit x falls in: floor of its position, except that the lattice's top (and anything at
 * the same float32 position) is in the last unit below it, as histc puts the maximum in the
 * last bin. A function of x alone, so every grid bins a value consistently.
 */
export function unitIndex(lattice: Lattice, x: number): number {
  const t = unitPosition(lattice, x);
  return t === unitPosition(lattice, lattice.top) ? lattice.bins - 1 : Math.floor(t);
}

/** The bin of x on `grid` (clamped to [0, bins - 1] against a grid that does not cover x). */
export function binOf(lattice: Lattice, grid: Grid, x: number): number {
  const b = Math.floor((unitIndex(lattice, x) - grid.start) * 2 ** -grid.exponent);
  return Math.min(lattice.bins - 1, Math.max(0, b));
}

/**
 * The narrowest grid with exponent >= `from` whose bins hold [lo, hi]: exponent e is the
 * least with unit(hi) < start + bins 2^e, start = floor(unit(lo) / 2^e) 2^e. That condition
 * is monotone in e, so the grid depends only on the extent, and no value ever needs clamping:
 * observing in any order, or merging histograms on the same lattice, gives the same counts.
 * Undefined when [lo, hi] is too wide for the lattice's float32 unit positions.
 */
export function coverGrid(
  lattice: Lattice,
  from: number,
  lo: number,
  hi: number,
): Grid | undefined {
  const ul = unitIndex(lattice, lo);
  const uh = unitIndex(lattice, hi);
  if (!Number.isFinite(ul) || !Number.isFinite(uh)) return undefined;
  for (let exponent = from; ; exponent++) {
    const f = 2 ** exponent;
    const start = Math.floor(ul / f) * f;
    if (uh < start + lattice.bins * f) return { exponent, start };
  }
}

/** True when grids a and b are the same. */
export function sameGrid(a: Grid, b: Grid): boolean {
  return a.exponent === b.exponent && a.start === b.start;
}

/**
 * Adds `counts` (on grid `from`) into `into` (on grid `to`, exponent >= from's), exactly:
 * each old bin lies wholly inside one new bin because both start on multiples of 2^exponent.
 */
export function rebinExact(counts: Float64Array, from: Grid, into: Float64Array, to: Grid): void {
  const f = 2 ** from.exponent;
  const invF = 2 ** -to.exponent;
  const last = into.length - 1;
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j]!;
    if (c === 0) continue;
    const b = Math.floor((from.start + j * f - to.start) * invF);
    into[Math.min(last, Math.max(0, b))]! += c;
  }
}

/**
 * Adds `count` values spread uniformly over the real interval [l, r] into `into` (grid `to`),
 * each bin getting the share of the interval it overlaps: the re-binning between unrelated
 * lattices, which moves no value by more than the source bin's width.
 */
export function spreadInterval(
  lattice: Lattice,
  to: Grid,
  into: Float64Array,
  l: number,
  r: number,
  count: number,
): void {
  if (!(r > l)) {
    into[binOf(lattice, to, l)]! += count;
    return;
  }
  // Continuous bin coordinates of l and r on `to`, clamped to the grid against rounding.
  const scale = lattice.bins / (lattice.top - lattice.origin) / 2 ** to.exponent;
  const shift = to.start * 2 ** -to.exponent;
  const bins = into.length;
  const pl = Math.min(bins, Math.max(0, (l - lattice.origin) * scale - shift));
  const pr = Math.min(bins, Math.max(0, (r - lattice.origin) * scale - shift));
  const width = pr - pl;
  if (!(width > 0)) {
    into[Math.min(bins - 1, Math.floor(pl))]! += count;
    return;
  }
  for (let k = Math.floor(pl); k < pr; k++) {
    const overlap = Math.min(pr, k + 1) - Math.max(pl, k);
    if (overlap > 0) into[Math.min(bins - 1, k)]! += (count * overlap) / width;
  }
}

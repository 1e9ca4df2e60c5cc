// Statistics of interleaved timing samples: median, percentiles, and paired ratios (the median of
// per-round ratios, which holds on a noisy machine where absolute times drift between rounds).
// Pure arithmetic on arrays of seconds; no clock and no I/O here.

/** The q-quantile (0..1) of `values` by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * The median over rounds of `a[r] / b[r]`: how many times longer `a` takes than `b`, measured
 * in the same rounds so that a slow round slows both alike.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(pairedRatios(a, b));
}

/** `a[r] / b[r]` for every round both have. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let r = 0; r < n; r++) ratios.push(a[r]! / b[r]!);
  return ratios;
}

/** Runs to repeat per sample so that one sample lasts about `targetSeconds` (at least one). */
export function repetitionsFor(secondsPerRun: number, targetSeconds: number): number {
  if (!(secondsPerRun > 0)) return 1;
  return Math.max(1, Math.min(10_000, Math.round(targetSeconds / secondsPerRun)));
}

/**
 * The order of `count` cases in round `round`: a fixed pseudo-random permutation per round, so
 * that no case always runs first or always follows the same neighbour (whose cache footprint or
 * power draw could otherwise bias it).
 */
export function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let s = (round * 2654435761 + 12345) >>> 0;
  for (let i = count - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

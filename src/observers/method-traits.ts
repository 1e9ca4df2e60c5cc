// What each calibration method is, as data: shared code (the cache reader, the range guard, the
// advisor, the CLI's help) asks these traits instead of listing method names. One literal Map,
// in the order methods are listed to users. Not the observers themselves (registry.ts).
import { fail } from '../core/index.js';
import type { ObserverKind } from './observer.js';

/** What shared code asks of a method instead of listing method names. */
export interface MethodTraits {
  /** Its observers keep a histogram, from which any other histogram method's range can be read. */
  readonly histogram: boolean;
  /** It may choose a range narrower than the calibrated min/max (it clips outliers). */
  readonly clips: boolean;
  /**
   * The advisor compares its range, read off a histogram calibration (minmax as the histogram's
   * exact extremes, so plain `histogram`, the same range, is not compared twice).
   */
  readonly advised: boolean;
  /** Per tensor it reads only each batch's min, max and count (observeExtremes suffices). */
  readonly extremes: boolean;
}

/** Traits per calibration method. */
export const METHOD_TRAITS = new Map<ObserverKind, MethodTraits>([
  ['minmax', { histogram: false, clips: false, advised: true, extremes: true }],
  ['ema', { histogram: false, clips: false, advised: false, extremes: true }],
  ['histogram', { histogram: true, clips: false, advised: false, extremes: false }],
  ['percentile', { histogram: true, clips: true, advised: true, extremes: false }],
  ['entropy', { histogram: true, clips: true, advised: true, extremes: false }],
  ['mse', { histogram: true, clips: true, advised: true, extremes: false }],
]);

/** The traits of `method`. */
export function methodTraits(method: ObserverKind): MethodTraits {
  return METHOD_TRAITS.get(method) ?? fail('bad-argument', `unknown method "${method}"`);
}

/** The methods that have `trait`, in METHOD_TRAITS' order. */
export function methodsWith(trait: keyof MethodTraits): ObserverKind[] {
  return [...METHOD_TRAITS].filter(([, traits]) => traits[trait]).map(([method]) => method);
}

// The advice on activation storage, weighed with the target hardware's kernel costs: the storage
// type the whole model's activations should use (uint8 where int8 x int8 kernels are slow, int8
// where they are fast) and, per consumer kernel, the relative time of a symmetric (zero point 0,
// or 128 in uint8) and an asymmetric activation. The figures are hardware/'s (kernel-facts.ts);
// not the accuracy side of the advice (recommend.ts weighs both).
import type { Scheme } from '../core/index.js';
import { activationTypeCost, storedCost, type HardwareProfile } from '../hardware/index.js';

/** Activation storage for the whole model: one type, so every fused kernel keeps its types. */
export interface StorageChoice {
  readonly qtype: 'uint8' | 'int8';
  /** Relative time of u8 x s8 and s8 x s8 kernels (medians over the profile's shapes). */
  readonly uint8Cost: number | null;
  readonly int8Cost: number | null;
  readonly reason: string;
}

/** The activation storage the profile favours: the cheaper of u8 x s8 and s8 x s8. */
export function chooseStorage(profile: HardwareProfile): StorageChoice {
  const uint8Cost = activationTypeCost(profile, 'uint8');
  const int8Cost = activationTypeCost(profile, 'int8');
  const int8 = uint8Cost !== null && int8Cost !== null && int8Cost < uint8Cost;
  const ratio = (x: number | null, y: number | null): string =>
    x === null || y === null ? 'unknown' : `${(x / y).toFixed(x / y >= 10 ? 0 : 2)}x`;
  return {
    qtype: int8 ? 'int8' : 'uint8',
    uint8Cost,
    int8Cost,
    reason: int8
      ? `int8 x int8 kernels take ${ratio(int8Cost, uint8Cost)} the time of uint8 x int8 here: ` +
        'activations are stored as int8 (symmetric ones with zero point 0)'
      : `int8 x int8 kernels take ${ratio(int8Cost, uint8Cost)} the time of uint8 x int8 here: ` +
        'activations are stored as uint8 (symmetric ones with zero point 128)',
  };
}

/**
 * Relative kernel time of an activation of `scheme` stored as `storage.qtype`, over the kernels
 * that read it (`ops`, ONNX op types); null when none of them has a figure in the profile.
 * A symmetric uint8 activation has zero point 128, so it pays what an asymmetric one does.
 */
export function schemeCost(
  profile: HardwareProfile,
  storage: StorageChoice,
  scheme: Scheme,
  ops: readonly string[],
): number | null {
  const nonZero = scheme === 'asymmetric' || storage.qtype === 'uint8';
  return storedCost(profile, storage.qtype, nonZero, ops);
}

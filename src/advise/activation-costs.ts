// What each activation scheme costs on the target hardware, read from a hardware profile: the
// storage type the whole model's activations should use (uint8 where int8 x int8 kernels are
// slow, int8 where they are fast) and, per consumer kernel, the relative time of a symmetric
// (zero point 0, or 128 in uint8) and an asymmetric activation. Not measuring (cli/bench-*),
// and not the accuracy side of the advice (recommend.ts weighs both).
import type { Scheme } from '../core/index.js';
import type { HardwareProfile, KernelOp, KernelType } from './hardware-profile.js';

/** The integer kernel onnxruntime fuses an op into, for ops the profile measures. */
export const KERNEL_OF_OP: Readonly<Record<string, KernelOp>> = {
  Conv: 'QLinearConv',
  MatMul: 'QLinearMatMul',
  Gemm: 'QLinearMatMul',
};

/** Activation storage for the whole model: one type, so every fused kernel keeps its types. */
export interface StorageChoice {
  readonly qtype: 'uint8' | 'int8';
  /** Relative time of u8 x s8 and s8 x s8 kernels (medians over the profile's shapes). */
  readonly uint8Cost: number | null;
  readonly int8Cost: number | null;
  readonly reason: string;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/**
 * Relative time of `op` with activation type `a` against int8 weights (zero point 0), with a
 * zero or a non-zero activation zero point; null where the profile lacks the figure.
 */
export function activationKernelCost(
  profile: HardwareProfile,
  op: KernelOp,
  a: KernelType,
  nonZeroPoint: boolean,
): number | null {
  return median(
    profile.kernels
      .filter(
        (k) =>
          k.op === op &&
          k.a === a &&
          k.b === 'int8' &&
          k.bZeroPoint === 0 &&
          (nonZeroPoint ? k.aZeroPoint !== 0 : k.aZeroPoint === 0),
      )
      .map((k) => k.relativeCost),
  );
}

/** The activation storage the profile favours: the cheaper of u8 x s8 and s8 x s8. */
export function chooseStorage(profile: HardwareProfile): StorageChoice {
  const over = (a: KernelType): number | null =>
    median(
      (['QLinearConv', 'QLinearMatMul'] as const)
        .map((op) => activationKernelCost(profile, op, a, false))
        .filter((v): v is number => v !== null),
    );
  const uint8Cost = over('uint8');
  const int8Cost = over('int8');
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

/**
 * Mean relative kernel time, over the kernels among `ops` the profile measures, of an activation
 * stored as `qtype` with a zero or non-zero zero point; null when none has a figure.
 */
export function storedCost(
  profile: HardwareProfile,
  qtype: 'uint8' | 'int8',
  nonZeroPoint: boolean,
  ops: readonly string[],
): number | null {
  const kernels = ops.map((op) => KERNEL_OF_OP[op]).filter((k): k is KernelOp => k !== undefined);
  const costs = kernels
    .map((k) => activationKernelCost(profile, k, qtype, nonZeroPoint))
    .filter((v): v is number => v !== null);
  return costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0) / costs.length;
}

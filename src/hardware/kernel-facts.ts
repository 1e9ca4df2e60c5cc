// Facts read off a hardware profile: how much signed activations, unsigned weights and non-zero
// zero points cost relative to the fastest configuration (what `bench --kernels` prints), the
// median cost of a configuration, and the cost of an activation by storage type and zero point
// over the kernels onnxruntime fuses its consumers into. Not the choice among them (advise/).
import {
  INTEGER_OPS,
  type HardwareProfile,
  type KernelMeasurement,
  type KernelOp,
  type KernelType,
} from './profile-schema.js';

/** Ratios of kernel time at equal shape; each null where the profile lacks the configurations. */
export interface KernelFacts {
  /** Time of int8 x int8 over uint8 x int8 (zero points 0): above 1, signed activations cost. */
  readonly signedActivationCost: number | null;
  /** Time of uint8 x uint8 over uint8 x int8 (zero points 0): above 1, unsigned weights cost. */
  readonly unsignedWeightCost: number | null;
  /** Time with a non-zero activation zero point over zero (same types): [min, median, max]. */
  readonly activationZeroPointCost: Spread | null;
  /** Time with a non-zero weight zero point over zero (same types): [min, median, max]. */
  readonly weightZeroPointCost: Spread | null;
}

/** [min, median, max] of a set of ratios. */
export type Spread = readonly [number, number, number];

/** The facts over all integer kernels (medians of the per-operator facts), and per operator. */
export interface ProfileFacts extends KernelFacts {
  readonly byOp: readonly (KernelFacts & { readonly op: KernelOp })[];
}

function middle(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function spread(values: readonly number[]): Spread | null {
  const s = [...values].sort((x, y) => x - y);
  return s.length === 0 ? null : [s[0]!, middle(s)!, s[s.length - 1]!];
}

function facts(kernels: readonly KernelMeasurement[]): KernelFacts {
  const key = (k: KernelMeasurement, a: KernelType, b: KernelType): string =>
    `${k.op}|${k.shape.join('x')}|${a}|${b}`;
  const zero = (k: KernelMeasurement): boolean => k.aZeroPoint === 0 && k.bZeroPoint === 0;
  const base = new Map(kernels.filter(zero).map((k) => [key(k, k.a, k.b), k.relativeCost]));
  const signed: number[] = [];
  const unsignedWeights: number[] = [];
  const activationZp: number[] = [];
  const weightZp: number[] = [];
  for (const k of kernels) {
    const u8s8 = base.get(key(k, 'uint8', 'int8'));
    const same = base.get(key(k, k.a, k.b));
    if (zero(k) && u8s8 !== undefined && k.a === k.b) {
      (k.a === 'int8' ? signed : unsignedWeights).push(k.relativeCost / u8s8);
    }
    if (same === undefined || zero(k)) continue;
    if (k.bZeroPoint === 0) activationZp.push(k.relativeCost / same);
    if (k.aZeroPoint === 0) weightZp.push(k.relativeCost / same);
  }
  return {
    signedActivationCost: middle(signed),
    unsignedWeightCost: middle(unsignedWeights),
    activationZeroPointCost: spread(activationZp),
    weightZeroPointCost: spread(weightZp),
  };
}

/** Signedness, unsigned-weight and zero-point costs, from the profile's relative costs. */
export function profileFacts(profile: HardwareProfile): ProfileFacts {
  const byOp = INTEGER_OPS.map((op) => ({
    op,
    ...facts(profile.kernels.filter((k) => k.op === op)),
  }));
  const known = byOp.filter((f) => profile.kernels.some((k) => k.op === f.op));
  const pick = (f: (k: KernelFacts) => number | null): number | null =>
    middle(known.map(f).filter((v): v is number => v !== null));
  const all = facts(profile.kernels.filter((k) => INTEGER_OPS.includes(k.op)));
  return {
    signedActivationCost: pick((k) => k.signedActivationCost),
    unsignedWeightCost: pick((k) => k.unsignedWeightCost),
    activationZeroPointCost: all.activationZeroPointCost,
    weightZeroPointCost: all.weightZeroPointCost,
    byOp: known,
  };
}

/** Median relative cost of a kernel configuration over the profile's shapes, or undefined. */
export function kernelCost(
  profile: HardwareProfile,
  query: Pick<KernelMeasurement, 'op' | 'a' | 'b'> &
    Partial<Pick<KernelMeasurement, 'aZeroPoint' | 'bZeroPoint'>>,
): number | undefined {
  const costs = profile.kernels
    .filter(
      (k) =>
        k.op === query.op &&
        k.a === query.a &&
        k.b === query.b &&
        (query.aZeroPoint === undefined || k.aZeroPoint === query.aZeroPoint) &&
        (query.bZeroPoint === undefined || k.bZeroPoint === query.bZeroPoint),
    )
    .map((k) => k.relativeCost);
  return middle(costs) ?? undefined;
}

/** The integer kernel onnxruntime fuses an op into, for ops the profile measures. */
export const KERNEL_OF_OP: Readonly<Record<string, KernelOp>> = {
  Conv: 'QLinearConv',
  MatMul: 'QLinearMatMul',
  Gemm: 'QLinearMatMul',
};

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
  return middle(
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

/** The fused kernels activations run through: QLinearConv, QLinearMatMul. */
const FUSED_KERNELS = [...new Set(Object.values(KERNEL_OF_OP))];

/**
 * Relative time of activations of type `a` (zero point 0) against int8 weights: the median over
 * the fused kernels' figures; null where the profile has none.
 */
export function activationTypeCost(profile: HardwareProfile, a: KernelType): number | null {
  return middle(
    FUSED_KERNELS.map((op) => activationKernelCost(profile, op, a, false)).filter(
      (v): v is number => v !== null,
    ),
  );
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

// The hardware profile: how fast each quantized kernel runs on one machine and runtime, as
// `zeropoint bench --kernels --save` measures it; the advisor reads it to choose signedness and
// zero points. Schema, a validating loader, the facts the advice needs, and a built-in default.
// Not the measuring (cli/bench-kernels.ts, web/) and not the advice itself.
import { fail } from '../core/errors.js';

/** The `schema` field every profile carries. */
export const PROFILE_SCHEMA = 'zeropoint.hardware-profile';
/** The schema version this loader reads. */
export const PROFILE_VERSION = 1;

/** Operators the kernel benchmark measures, as ONNX names them. */
export const KERNEL_OPS = [
  'MatMulInteger',
  'QLinearMatMul',
  'MatMul',
  'ConvInteger',
  'QLinearConv',
  'Conv',
  'QuantizeLinear',
  'DequantizeLinear',
] as const;
/** An operator the kernel benchmark measures. */
export type KernelOp = (typeof KERNEL_OPS)[number];
/** Element types of a kernel's operands. */
export type KernelType = 'uint8' | 'int8' | 'float32';

/**
 * One measured configuration. `a` is the activation operand (MatMul A, Conv X, the input of
 * Quantize/DequantizeLinear), `b` the weight operand (B, W) or the output of Q/DQ; a zero point is
 * null where the operand has none. `shape`: [M, K, N] for the MatMul family, [N, C, H, W, Cout,
 * kH, kW] (stride 1, same padding) for the Conv family, [elements] for Q/DQ. `relativeCost`:
 * time over the fastest configuration of the same family and shape, the median of per-round
 * ratios. `gops`: 1e9 operations per second (a multiply-add is 2; a Q/DQ element is 1) at the
 * fastest one's median time times `relativeCost`, so the two agree; `medianMs`: its own median.
 */
export interface KernelMeasurement {
  readonly op: KernelOp;
  readonly a: KernelType;
  readonly b: KernelType;
  readonly aZeroPoint: number | null;
  readonly bZeroPoint: number | null;
  readonly shape: readonly number[];
  readonly gops: number;
  readonly relativeCost: number;
  readonly medianMs: number;
}

/** A configuration the runtime refused (an operator or type pair it does not implement). */
export interface SkippedKernel {
  readonly op: KernelOp;
  readonly a: KernelType;
  readonly b: KernelType;
  readonly reason: string;
}

/** The runtime that produced the figures: onnxruntime-node's CPU provider or the web's wasm. */
export interface ProfileRuntime {
  readonly name: string;
  readonly version: string;
  readonly backend: string;
  readonly threads: number;
}

/** The machine the figures come from; `features` are the CPU's integer dot-product flags. */
export interface ProfileMachine {
  readonly platform: string;
  readonly arch: string;
  readonly cpu: string;
  readonly cores: number;
  readonly features: readonly string[];
}

/** A saved hardware profile, as `--save` writes it and `--json` prints it. */
export interface HardwareProfile {
  readonly schema: typeof PROFILE_SCHEMA;
  readonly version: typeof PROFILE_VERSION;
  /** 'measured' where it was measured; 'built-in' for zeropoint's shipped default. */
  readonly source: 'measured' | 'built-in';
  readonly note: string;
  /** ISO 8601 time of the measurement. */
  readonly measuredAt: string;
  readonly runtime: ProfileRuntime;
  readonly machine: ProfileMachine;
  readonly kernels: readonly KernelMeasurement[];
  readonly skipped: readonly SkippedKernel[];
}

type Json = Record<string, unknown>;
type Check = readonly [(v: unknown) => boolean, string];

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const STRING: Check = [(v) => typeof v === 'string', 'a string'];
const POSITIVE: Check = [
  (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  'a positive number',
];
const TYPE: Check = [
  (v) => v === 'uint8' || v === 'int8' || v === 'float32',
  'uint8, int8 or float32',
];
const OP: Check = [
  (v) => (KERNEL_OPS as readonly unknown[]).includes(v),
  `one of ${KERNEL_OPS.join(', ')}`,
];
const ZERO_POINT: Check = [(v) => v === null || Number.isInteger(v), 'an integer or null'];
const OBJECT: Check = [isObject, 'an object'];
const ARRAY: Check = [Array.isArray, 'an array'];
const STRINGS: Check = [
  (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  'an array of strings',
];
const DIMS: Check = [
  (v) =>
    Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && (d as number) > 0),
  'an array of positive integers',
];

const KERNEL: Readonly<Record<keyof KernelMeasurement, Check>> = {
  op: OP,
  a: TYPE,
  b: TYPE,
  aZeroPoint: ZERO_POINT,
  bZeroPoint: ZERO_POINT,
  shape: DIMS,
  gops: POSITIVE,
  relativeCost: POSITIVE,
  medianMs: POSITIVE,
};
const SKIPPED: Readonly<Record<keyof SkippedKernel, Check>> = {
  op: OP,
  a: TYPE,
  b: TYPE,
  reason: STRING,
};
const RUNTIME: Readonly<Record<keyof ProfileRuntime, Check>> = {
  name: STRING,
  version: STRING,
  backend: STRING,
  threads: POSITIVE,
};
const MACHINE: Readonly<Record<keyof ProfileMachine, Check>> = {
  platform: STRING,
  arch: STRING,
  cpu: STRING,
  cores: POSITIVE,
  features: STRINGS,
};
const PROFILE: Readonly<Record<keyof HardwareProfile, Check>> = {
  schema: [(v) => v === PROFILE_SCHEMA, `"${PROFILE_SCHEMA}"`],
  version: [(v) => v === PROFILE_VERSION, String(PROFILE_VERSION)],
  source: [(v) => v === 'measured' || v === 'built-in', '"measured" or "built-in"'],
  note: STRING,
  measuredAt: STRING,
  runtime: OBJECT,
  machine: OBJECT,
  kernels: ARRAY,
  skipped: ARRAY,
};

function badFile(what: string, file: string | undefined): never {
  return fail(
    'bad-file',
    `${file ?? 'hardware profile'}: ${what}`,
    file === undefined ? {} : { file },
  );
}

/** Checks every field of `value` and returns an object of exactly those fields. */
function checked<T>(
  value: unknown,
  where: string,
  fields: Readonly<Record<string, Check>>,
  file?: string,
): T {
  if (!isObject(value)) return badFile(`${where} must be an object`, file);
  for (const [key, [ok, what]] of Object.entries(fields)) {
    const v = value[key];
    if (!ok(v)) badFile(`${where}.${key} must be ${what}, got ${JSON.stringify(v)}`, file);
  }
  return Object.fromEntries(Object.keys(fields).map((key) => [key, value[key]])) as T;
}

/** Validates parsed JSON as a hardware profile; `bad-file` naming the first wrong field. */
export function parseHardwareProfile(value: unknown, file?: string): HardwareProfile {
  const top = checked<Json>(value, 'profile', PROFILE, file);
  return {
    ...(top as unknown as HardwareProfile),
    runtime: checked(top.runtime, 'profile.runtime', RUNTIME, file),
    machine: checked(top.machine, 'profile.machine', MACHINE, file),
    kernels: (top.kernels as unknown[]).map((k, i) =>
      checked(k, `profile.kernels[${i}]`, KERNEL, file),
    ),
    skipped: (top.skipped as unknown[]).map((k, i) =>
      checked(k, `profile.skipped[${i}]`, SKIPPED, file),
    ),
  };
}

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

const INTEGER_OPS: readonly KernelOp[] = [
  'MatMulInteger',
  'QLinearMatMul',
  'ConvInteger',
  'QLinearConv',
];

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

// The built-in profile: `zeropoint bench --kernels --runs 20` on a 2-core AMD EPYC VM with
// AVX-512 VNNI (u8 x s8 dot product, no s8 x s8 one), onnxruntime-node 1.30.0, one thread.
// Rows: op, a, b, shape, GOP/s at zero points (0, 0), (0, z), (z, 0), (z, z) with z = 117 for
// uint8 and -9 for int8 (Q/DQ: zero point 0, z). Cost and time are derived from GOP/s.
const MM = [128, 3072, 768];
const C3 = [1, 64, 56, 56, 64, 3, 3];
const C1 = [1, 256, 14, 14, 256, 1, 1];
const QDQ = [1 << 20];
type Row = readonly [KernelOp, KernelType, KernelType, readonly number[], readonly number[]];
const BUILT_IN_ROWS: readonly Row[] = [
  ['MatMul', 'float32', 'float32', MM, [199.8]],
  ['MatMulInteger', 'uint8', 'int8', MM, [805.5, 799.8, 819.8, 817.0]],
  ['MatMulInteger', 'uint8', 'uint8', MM, [354.3, 356.3, 352.9, 353.9]],
  ['MatMulInteger', 'int8', 'int8', MM, [37.0, 37.4, 37.1, 37.4]],
  ['QLinearMatMul', 'uint8', 'int8', MM, [834.4, 823.9, 835.6, 819.1]],
  ['QLinearMatMul', 'uint8', 'uint8', MM, [357.0, 355.6, 357.8, 357.2]],
  ['QLinearMatMul', 'int8', 'int8', MM, [37.1, 37.3, 36.9, 37.3]],
  ['Conv', 'float32', 'float32', C3, [216.1]],
  ['ConvInteger', 'uint8', 'int8', C3, [33.2, 33.7, 33.5, 33.0]],
  ['ConvInteger', 'uint8', 'uint8', C3, [271.7, 271.6, 269.2, 277.2]],
  ['ConvInteger', 'int8', 'int8', C3, [33.3, 33.5, 33.5, 33.4]],
  ['QLinearConv', 'uint8', 'int8', C3, [768.5, 547.6, 772.7, 536.2]],
  ['QLinearConv', 'uint8', 'uint8', C3, [291.3, 286.2, 285.0, 291.5]],
  ['QLinearConv', 'int8', 'int8', C3, [36.3, 36.9, 37.0, 36.9]],
  ['Conv', 'float32', 'float32', C1, [185.8]],
  ['ConvInteger', 'uint8', 'int8', C1, [37.5, 37.3, 37.2, 36.9]],
  ['ConvInteger', 'uint8', 'uint8', C1, [260.7, 272.0, 266.4, 273.3]],
  ['ConvInteger', 'int8', 'int8', C1, [35.8, 37.1, 37.0, 36.9]],
  ['QLinearConv', 'uint8', 'int8', C1, [576.3, 482.2, 576.5, 483.9]],
  ['QLinearConv', 'uint8', 'uint8', C1, [290.7, 282.8, 277.6, 286.3]],
  ['QLinearConv', 'int8', 'int8', C1, [31.9, 31.5, 31.7, 32.5]],
  ['QuantizeLinear', 'float32', 'uint8', QDQ, [6.903, 6.868]],
  ['DequantizeLinear', 'uint8', 'float32', QDQ, [2.617, 1.979]],
  ['QuantizeLinear', 'float32', 'int8', QDQ, [7.403, 6.686]],
  ['DequantizeLinear', 'int8', 'float32', QDQ, [2.541, 2.417]],
];

function builtInKernels(): KernelMeasurement[] {
  const z = (t: KernelType, nonzero: boolean): number | null =>
    t === 'float32' ? null : !nonzero ? 0 : t === 'uint8' ? 117 : -9;
  const ops = (s: readonly number[]): number =>
    s.length === 3
      ? 2 * s[0]! * s[1]! * s[2]!
      : s.length === 7
        ? 2 * s.reduce((x, y) => x * y, 1)
        : s[0]!;
  const flat = BUILT_IN_ROWS.flatMap(([op, a, b, shape, gops]) =>
    gops.map((g, i) => {
      const [za, zb] =
        a === 'float32'
          ? [false, i === 1]
          : b === 'float32'
            ? [i === 1, false]
            : [i >= 2, i % 2 === 1];
      return {
        op,
        a,
        b,
        aZeroPoint: z(a, za),
        bZeroPoint: z(b, zb),
        shape,
        gops: g,
        medianMs: ops(shape) / g / 1e6,
      };
    }),
  );
  const fastest = (s: readonly number[]): number =>
    Math.max(...flat.filter((k) => k.shape === s).map((k) => k.gops));
  return flat.map((k) => ({ ...k, relativeCost: fastest(k.shape) / k.gops }));
}

/** zeropoint's shipped profile: onnxruntime-node on an x86 CPU with VNNI, marked 'built-in'. */
export const DEFAULT_PROFILE: HardwareProfile = parseHardwareProfile({
  schema: PROFILE_SCHEMA,
  version: PROFILE_VERSION,
  source: 'built-in',
  note:
    'built into zeropoint: measured once on one x86 machine; measure yours with ' +
    '`zeropoint bench --kernels --save profile.json`',
  measuredAt: '2026-11-27T12:00:00.000Z',
  runtime: { name: 'onnxruntime-node', version: '1.30.0', backend: 'cpu', threads: 1 },
  machine: {
    platform: 'linux',
    arch: 'x64',
    cpu: 'AMD EPYC',
    cores: 2,
    features: ['avx2', 'avx512f', 'avx512_vnni'],
  },
  kernels: builtInKernels(),
  skipped: [],
});

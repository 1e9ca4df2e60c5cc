// The hardware profile's schema: how fast each quantized kernel runs on one machine and runtime,
// as `zeropoint bench --kernels --save` writes it and the advisor reads it. Types and the
// constants they are built from only; the validating loader is profile-parse.ts, the facts read
// off a profile kernel-facts.ts, the shipped default profile-default.ts.

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

/** The integer kernels of each family, compared with the family's float op at equal shape. */
export const INTEGER_KERNELS = {
  matmul: ['MatMulInteger', 'QLinearMatMul'],
  conv: ['ConvInteger', 'QLinearConv'],
} as const satisfies Readonly<Record<string, readonly KernelOp[]>>;

/** Every integer kernel, MatMul's first. */
export const INTEGER_OPS: readonly KernelOp[] = [
  ...INTEGER_KERNELS.matmul,
  ...INTEGER_KERNELS.conv,
];
/** Element types of a kernel's operands. */
export type KernelType = 'uint8' | 'int8' | 'float32';

/** What names a kernel configuration: op, operand types, zero points, shape. */
export interface KernelKey {
  readonly op: KernelOp;
  readonly a: KernelType;
  readonly b: KernelType;
  readonly aZeroPoint: number | null;
  readonly bZeroPoint: number | null;
  readonly shape: readonly number[];
}

/**
 * One measured configuration. `a` is the activation operand (MatMul A, Conv X, the input of
 * Quantize/DequantizeLinear), `b` the weight operand (B, W) or the output of Q/DQ; a zero point is
 * null where the operand has none. `shape`: [M, K, N] for the MatMul family, [N, C, H, W, Cout,
 * kH, kW] (stride 1, same padding) for the Conv family, [elements] for Q/DQ. `relativeCost`:
 * time over the fastest configuration of the same family and shape, the median of per-round
 * ratios. `gops`: 1e9 operations per second (a multiply-add is 2; a Q/DQ element is 1) at the
 * fastest one's median time times `relativeCost`, so the two agree; `medianMs`: its own median.
 */
export interface KernelMeasurement extends KernelKey {
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

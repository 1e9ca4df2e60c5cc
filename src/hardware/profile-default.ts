// zeropoint's shipped hardware profile: `zeropoint bench --kernels --runs 20` at the default
// shapes on a 2-core AMD EPYC VM with AVX-512 VNNI (u8 x s8 dot product, no s8 x s8 one),
// onnxruntime-node 1.30.0, one thread, stored as GOP/s per configuration. The advisor uses it
// where no `--hardware` profile is given. Not a measurement: measure-kernels.ts measures.
import { DEFAULT_SHAPES, kernelOpCount, NONZERO_ZERO_POINT } from './kernel-shapes.js';
import { parseHardwareProfile } from './profile-parse.js';
import {
  PROFILE_SCHEMA,
  PROFILE_VERSION,
  type HardwareProfile,
  type KernelMeasurement,
  type KernelOp,
  type KernelType,
} from './profile-schema.js';

// Rows: op, a, b, shape, GOP/s at zero points (0, 0), (0, z), (z, 0), (z, z) with z the
// NONZERO_ZERO_POINT of the type (Q/DQ: zero point 0, z). Cost and time are derived from GOP/s.
type Shape = readonly number[];
type Row = readonly [KernelOp, KernelType, KernelType, Shape, readonly number[]];
const [MM, C3, C1, QDQ] = DEFAULT_SHAPES as readonly [Shape, Shape, Shape, Shape];
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
    t === 'float32' ? null : !nonzero ? 0 : NONZERO_ZERO_POINT[t];
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
        medianMs: kernelOpCount(shape) / g / 1e6,
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

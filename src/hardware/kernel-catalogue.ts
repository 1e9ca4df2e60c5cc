// The kernel benchmark's catalogue: every configuration `zeropoint bench --kernels` measures
// (op, operand types, zero points, shape) and the one-node ONNX model that runs it. Node's and
// the browser's runners both take their models from here. Not timing (measure-kernels.ts).
import { ModelBuilder } from '../onnx/build.js';
import type { DType } from '../onnx/dtypes.js';
import { attr } from '../onnx/graph-node.js';
import {
  DEFAULT_SHAPES,
  familyOf,
  kernelOpCount,
  NONZERO_ZERO_POINT,
  type KernelFamily,
} from './kernel-shapes.js';
import {
  INTEGER_KERNELS,
  type KernelKey,
  type KernelOp,
  type KernelType,
} from './profile-schema.js';

/** One configuration to measure; `ops` counts a multiply-add as 2 (Q/DQ: one per element). */
export interface KernelConfig extends KernelKey {
  readonly id: string;
  readonly family: KernelFamily;
  readonly ops: number;
}

/** A graph input of a kernel model; the runners fill it with deterministic data. */
export interface KernelInput {
  readonly name: string;
  readonly type: KernelType;
  readonly dims: readonly number[];
}

/** A kernel model: its bytes and the one input it reads. */
export interface KernelModel {
  readonly bytes: Uint8Array;
  readonly input: KernelInput;
}

const PAIRS: readonly (readonly ['uint8' | 'int8', 'uint8' | 'int8'])[] = [
  ['uint8', 'int8'],
  ['uint8', 'uint8'],
  ['int8', 'int8'],
];

const SHORT: Readonly<Record<KernelType, string>> = { uint8: 'u8', int8: 's8', float32: 'f32' };

function config(
  op: KernelOp,
  a: KernelType,
  b: KernelType,
  aZeroPoint: number | null,
  bZeroPoint: number | null,
  shape: readonly number[],
): KernelConfig {
  const family = familyOf(shape);
  const zp =
    aZeroPoint === null && bZeroPoint === null
      ? ''
      : ` zp ${aZeroPoint ?? '-'}/${bZeroPoint ?? '-'}`;
  const id = `${op} ${SHORT[a]}x${SHORT[b]}${zp} ${shape.join('x')}`;
  return { id, family, op, a, b, aZeroPoint, bZeroPoint, shape, ops: kernelOpCount(shape) };
}

function integerConfigs(ops: readonly KernelOp[], shape: readonly number[]): KernelConfig[] {
  const out: KernelConfig[] = [];
  for (const op of ops) {
    for (const [a, b] of PAIRS) {
      for (const [za, zb] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ] as const) {
        const aZp = za === 0 ? 0 : NONZERO_ZERO_POINT[a];
        out.push(config(op, a, b, aZp, zb === 0 ? 0 : NONZERO_ZERO_POINT[b], shape));
      }
    }
  }
  return out;
}

/** Every configuration for the given shapes, grouped by shape, in a fixed order. */
export function kernelConfigs(
  shapes: readonly (readonly number[])[] = DEFAULT_SHAPES,
): KernelConfig[] {
  return shapes.flatMap((shape) => {
    const family = familyOf(shape);
    if (family === 'matmul') {
      return [
        config('MatMul', 'float32', 'float32', null, null, shape),
        ...integerConfigs(INTEGER_KERNELS.matmul, shape),
      ];
    }
    if (family === 'conv') {
      return [
        config('Conv', 'float32', 'float32', null, null, shape),
        ...integerConfigs(INTEGER_KERNELS.conv, shape),
      ];
    }
    return (['uint8', 'int8'] as const).flatMap((t) =>
      [0, NONZERO_ZERO_POINT[t]].flatMap((zp) => [
        config('QuantizeLinear', 'float32', t, null, zp, shape),
        config('DequantizeLinear', t, 'float32', zp, null, shape),
      ]),
    );
  });
}

/** Deterministic values spread over a type's range (floats in [-1, 1)), for weights and inputs. */
export function fillValues(
  type: KernelType,
  count: number,
  seed = 1,
): Int8Array | Uint8Array | Float32Array {
  const out =
    type === 'uint8'
      ? new Uint8Array(count)
      : type === 'int8'
        ? new Int8Array(count)
        : new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    out[i] =
      type === 'uint8'
        ? Math.floor(u * 256)
        : type === 'int8'
          ? Math.floor(u * 256) - 128
          : 2 * u - 1;
  }
  return out;
}

/** The one-node model of a configuration: the activation is its input, weights initializers. */
export function buildKernelModel(c: KernelConfig): KernelModel {
  const m = new ModelBuilder(c.id);
  const s = c.shape;
  const scalar = (name: string, type: DType, value: number): string =>
    m.initializer(name, type, [], [value]);
  let input: KernelInput;
  let output: string;
  let outType: DType;
  if (c.family === 'qdq') {
    input = { name: 'x', type: c.a, dims: s };
    const q = c.op === 'QuantizeLinear' ? c.b : c.a;
    const zp = scalar('zp', q, c.op === 'QuantizeLinear' ? c.bZeroPoint! : c.aZeroPoint!);
    output = m.op(c.op, [m.input('x', c.a, s), scalar('scale', 'float32', 0.02), zp]);
    outType = c.b;
  } else {
    const matmul = c.family === 'matmul';
    const dimsA = matmul ? [s[0]!, s[1]!] : [s[0]!, s[1]!, s[2]!, s[3]!];
    const dimsB = matmul ? [s[1]!, s[2]!] : [s[4]!, s[1]!, s[5]!, s[6]!];
    input = { name: 'a', type: c.a, dims: dimsA };
    const a = m.input('a', c.a, dimsA);
    const bCount = dimsB.reduce((x, y) => x * y, 1);
    const b = m.initializer('b', c.b, dimsB, fillValues(c.b, bCount, 7));
    const pad = matmul ? 0 : (s[5]! - 1) >> 1;
    const attrs = matmul ? [] : [attr.ints('pads', [pad, pad, pad, pad])];
    if (c.op === 'MatMul' || c.op === 'Conv') {
      output = m.op(c.op, [a, b], attrs);
      outType = 'float32';
    } else if (c.op === 'MatMulInteger' || c.op === 'ConvInteger') {
      const zps = [scalar('a_zp', c.a, c.aZeroPoint!), scalar('b_zp', c.b, c.bZeroPoint!)];
      output = m.op(c.op, [a, b, ...zps], attrs);
      outType = 'int32';
    } else {
      const inputs = [
        a,
        scalar('a_scale', 'float32', 0.02),
        scalar('a_zp', c.a, c.aZeroPoint!),
        b,
        scalar('b_scale', 'float32', 0.01),
        scalar('b_zp', c.b, c.bZeroPoint!),
        scalar('y_scale', 'float32', 0.5),
        scalar('y_zp', c.a, 0),
      ];
      output = m.op(c.op, inputs, attrs);
      outType = c.a;
    }
  }
  m.output(output, outType);
  return { bytes: m.bytes(13, 8), input };
}

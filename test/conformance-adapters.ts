// Adapters from an ONNX conformance case to zeropoint's own implementation of its operator:
// QuantizeLinear/DequantizeLinear through src/core, the integer operators through src/kernels.
// Resolved through one Map literal keyed by ONNX op type. Not the loading or the comparison.
import {
  QTYPES,
  dequantize,
  isQType,
  quantize,
  sizeOf,
  type Granularity,
  type QParams,
  type QType,
} from '../src/core/index.js';
import {
  convInteger,
  dynamicQuantizeLinear,
  matMulInteger,
  qlinearConv,
  qlinearMatMul,
  type AutoPad,
  type ConvAttributes,
  type Int8Like,
  type IntTensor,
  type ScaleTensor,
} from '../src/kernels/index.js';
import { dtypeFromOnnx, type DType } from '../src/onnx/dtypes.js';
import type { DecodedTensor } from '../src/onnx/tensor.js';
import {
  intAttribute,
  intsAttribute,
  stringAttribute,
  type ConformanceCase,
} from './conformance-cases.js';

/** One output as zeropoint computed it, to compare with ONNX's expected tensor. */
export interface Produced {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number | bigint>;
}

/** Runs a case's operator; returns its outputs in the operator's output order. */
export type Adapter = (c: ConformanceCase) => Produced[];

/** The case's input slot `i`, failing the case when it is required and absent. */
function input(c: ConformanceCase, i: number): DecodedTensor {
  const t = c.inputs[i];
  if (t === undefined) throw new Error(`${c.name}: input ${i} is absent`);
  return t;
}

function float32Data(t: DecodedTensor, c: ConformanceCase): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`${c.name}: '${t.name}' is ${t.dtype}, not float32`);
  return t.data;
}

function qtypeOf(dtype: DType, c: ConformanceCase): QType {
  if (!isQType(dtype)) throw new Error(`${c.name}: ${dtype} is not an integer qtype`);
  return dtype;
}

// QuantizeLinear/DequantizeLinear (opset 21+), "y_scale": a scalar is per-tensor, a 1-D tensor
// per-axis along `axis` (default 1), a tensor of the input's rank blocked when block_size > 0.
// A 1-D scale of size 1 broadcasts (onnx reference reshape_input), so it is per-tensor too.
function granularityOf(
  c: ConformanceCase,
  shape: readonly number[],
  scale: DecodedTensor,
): Granularity {
  const axis = intAttribute(c, 'axis', 1);
  const blockSize = intAttribute(c, 'block_size', 0);
  if (blockSize > 0) return { kind: 'per-block', axis, blockSize };
  if (scale.shape.length === 0 || sizeOf(scale.shape) === 1) return { kind: 'per-tensor' };
  if (scale.shape.length !== 1) throw new Error(`${c.name}: scale of rank ${scale.shape.length}`);
  return { kind: 'per-axis', axis };
}

function qparamsOf(
  c: ConformanceCase,
  qtype: QType,
  shape: readonly number[],
  scale: DecodedTensor,
  zeroPoint: DecodedTensor | undefined,
): QParams {
  const scales = float32Data(scale, c);
  const zeroPoints =
    zeroPoint === undefined
      ? new Int32Array(scales.length)
      : Int32Array.from(zeroPoint.data as ArrayLike<number>);
  // precision (opset 25): 0 means "the scale's type"; 1 is FLOAT. Anything else is not covered.
  const precision = intAttribute(c, 'precision', 0);
  if (precision !== 0 && precision !== 1) throw new Error(`${c.name}: precision ${precision}`);
  return {
    qtype,
    granularity: granularityOf(c, shape, scale),
    scale: scales,
    zeroPoint: zeroPoints,
    grid: { qmin: QTYPES[qtype].qmin, qmax: QTYPES[qtype].qmax },
  };
}

// QuantizeLinear: "the output type is determined by the zero point's type if given, else by
// output_dtype, else uint8"; the two must agree when both are set.
const QuantizeLinear: Adapter = (c) => {
  const x = input(c, 0);
  const zeroPoint = c.inputs[2];
  const outputDtype = intAttribute(c, 'output_dtype', 0);
  const fromAttribute = outputDtype === 0 ? undefined : dtypeFromOnnx(outputDtype);
  if (zeroPoint !== undefined && fromAttribute !== undefined && fromAttribute !== zeroPoint.dtype) {
    throw new Error(`${c.name}: output_dtype ${fromAttribute} disagrees with the zero point`);
  }
  const qtype = qtypeOf(zeroPoint?.dtype ?? fromAttribute ?? 'uint8', c);
  const params = qparamsOf(c, qtype, x.shape, input(c, 1), zeroPoint);
  return [{ dtype: qtype, shape: x.shape, data: quantize(float32Data(x, c), x.shape, params) }];
};

// DequantizeLinear: y = (x - x_zero_point) * x_scale, in the scale's type (float32 here).
const DequantizeLinear: Adapter = (c) => {
  const x = input(c, 0);
  const params = qparamsOf(c, qtypeOf(x.dtype, c), x.shape, input(c, 1), c.inputs[2]);
  return [
    {
      dtype: 'float32',
      shape: x.shape,
      data: dequantize(x.data as ArrayLike<number>, x.shape, params),
    },
  ];
};

function int8Tensor(t: DecodedTensor, c: ConformanceCase): IntTensor<Int8Like> {
  if (t.dtype !== 'int8' && t.dtype !== 'uint8') {
    throw new Error(`${c.name}: '${t.name}' is ${t.dtype}, not int8 or uint8`);
  }
  return { data: t.data as Int8Like, shape: t.shape };
}

function optionalInt8(c: ConformanceCase, i: number): IntTensor<Int8Like> | undefined {
  const t = c.inputs[i];
  return t === undefined ? undefined : int8Tensor(t, c);
}

function scaleTensor(t: DecodedTensor, c: ConformanceCase): ScaleTensor {
  if (t.dtype !== 'float32' && t.dtype !== 'float16') {
    throw new Error(`${c.name}: scale '${t.name}' is ${t.dtype}`);
  }
  return { data: t.data, shape: t.shape, dtype: t.dtype };
}

/** A kernel's integer output, typed by its array. */
function produced(t: IntTensor): Produced {
  const dtype: DType =
    t.data instanceof Int8Array ? 'int8' : t.data instanceof Uint8Array ? 'uint8' : 'int32';
  if (!(
    t.data instanceof Int8Array ||
    t.data instanceof Uint8Array ||
    t.data instanceof Int32Array
  )) {
    throw new Error(`unexpected kernel output ${t.data.constructor.name}`);
  }
  return { dtype, shape: t.shape, data: t.data };
}

// DynamicQuantizeLinear (opset 11): x f32 -> y uint8, y_scale f32 scalar, y_zero_point uint8 scalar.
const DynamicQuantizeLinear: Adapter = (c) => {
  const x = input(c, 0);
  const { y, yScale, yZeroPoint } = dynamicQuantizeLinear({
    data: float32Data(x, c),
    shape: x.shape,
  });
  return [
    { dtype: 'uint8', shape: y.shape, data: y.data },
    { dtype: 'float32', shape: [], data: Float32Array.of(yScale) },
    { dtype: 'uint8', shape: [], data: Uint8Array.of(yZeroPoint) },
  ];
};

const MatMulInteger: Adapter = (c) => [
  produced(
    matMulInteger(
      int8Tensor(input(c, 0), c),
      int8Tensor(input(c, 1), c),
      optionalInt8(c, 2),
      optionalInt8(c, 3),
    ),
  ),
];

// QLinearMatMul inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
const QLinearMatMul: Adapter = (c) => {
  const int8 = (i: number) => int8Tensor(input(c, i), c);
  const scale = (i: number) => scaleTensor(input(c, i), c);
  return [
    produced(
      qlinearMatMul(int8(0), scale(1), int8(2), int8(3), scale(4), int8(5), scale(6), int8(7)),
    ),
  ];
};

/** Conv attributes of the node, leaving out those it does not set (ONNX defaults apply). */
function convAttributes(c: ConformanceCase): ConvAttributes {
  const out: { -readonly [K in keyof ConvAttributes]: ConvAttributes[K] } = {};
  const lists = [
    ['dilations', 'dilations'],
    ['kernelShape', 'kernel_shape'],
    ['pads', 'pads'],
    ['strides', 'strides'],
  ] as const;
  for (const [key, name] of lists) {
    const value = intsAttribute(c, name);
    if (value !== undefined) out[key] = value;
  }
  if (c.attributes.has('group')) out.group = intAttribute(c, 'group', 1);
  const autoPad = stringAttribute(c, 'auto_pad');
  if (autoPad !== undefined) out.autoPad = autoPad as AutoPad;
  return out;
}

// ConvInteger inputs: x, w, x_zero_point?, w_zero_point?
const ConvInteger: Adapter = (c) => [
  produced(
    convInteger(
      int8Tensor(input(c, 0), c),
      int8Tensor(input(c, 1), c),
      optionalInt8(c, 2),
      optionalInt8(c, 3),
      convAttributes(c),
    ),
  ),
];

// QLinearConv inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B?
const QLinearConv: Adapter = (c) => {
  const int8 = (i: number) => int8Tensor(input(c, i), c);
  const scale = (i: number) => scaleTensor(input(c, i), c);
  const b = c.inputs[8];
  if (b !== undefined && b.dtype !== 'int32') throw new Error(`${c.name}: bias is ${b.dtype}`);
  const bias = b === undefined ? undefined : { data: b.data, shape: b.shape };
  const y = qlinearConv(
    int8(0),
    scale(1),
    int8(2),
    int8(3),
    scale(4),
    int8(5),
    scale(6),
    int8(7),
    bias,
    convAttributes(c),
  );
  return [produced(y)];
};

/** Every operator the conformance suite covers, by ONNX op type. */
export const ADAPTERS: ReadonlyMap<string, Adapter> = new Map<string, Adapter>([
  ['QuantizeLinear', QuantizeLinear],
  ['DequantizeLinear', DequantizeLinear],
  ['DynamicQuantizeLinear', DynamicQuantizeLinear],
  ['MatMulInteger', MatMulInteger],
  ['QLinearMatMul', QLinearMatMul],
  ['ConvInteger', ConvInteger],
  ['QLinearConv', QLinearConv],
]);

// What a model says it must be fed: the name, element type and shape of each graph input that
// is not an initializer, and the checks a batch must pass against them (static dims must match,
// dynamic dims take any size). Readers and calibrate share these, so errors read the same.
// Not shape inference: only the graph inputs' declared ValueInfo is read.
import { fail, float16ToNumber, type ErrorContext } from '../core/index.js';
import { dtypeFromOnnx, type DType } from '../onnx/dtypes.js';
import type { ModelProto, ValueInfoProto } from '../onnx/gen/onnx_pb.js';
import { buildGraph } from '../onnx/graph.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';

/** A graph input a caller must feed. */
export interface ModelInput {
  readonly name: string;
  /** Element type, or undefined when the model does not declare one zeropoint reads. */
  readonly dtype: DType | undefined;
  /** One entry per axis: the static size, or undefined for a dynamic axis; undefined: any rank. */
  readonly dims: readonly (number | undefined)[] | undefined;
  /** How to print each axis: the size, the symbolic name, or '?'. */
  readonly dimNames: readonly string[] | undefined;
}

/** Where a checked tensor came from, for error messages and context. */
export interface FeedSource {
  readonly file?: string;
  readonly sample?: number;
}

/** The element type and shape a ValueInfo declares, read as a ModelInput. */
export function modelInput(info: ValueInfoProto): ModelInput {
  const tensor = info.type?.value.case === 'tensorType' ? info.type.value.value : undefined;
  const dtype = tensor === undefined ? undefined : dtypeFromOnnx(tensor.elemType);
  const shape = tensor?.shape?.dim;
  return {
    name: info.name,
    dtype,
    dims: shape?.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : undefined)),
    dimNames: shape?.map((d) =>
      d.value.case === 'dimValue' || d.value.case === 'dimParam' ? String(d.value.value) : '?',
    ),
  };
}

/** The inputs of `model` that are not initializers, in graph order. */
export function modelInputs(model: ModelProto): ModelInput[] {
  return buildGraph(model).inputs.map(modelInput);
}

/** `[N, 3, 48, 192]`-style text of an input's declared shape. */
export function formatInputShape(input: ModelInput): string {
  return input.dimNames === undefined ? '(any shape)' : `[${input.dimNames.join(', ')}]`;
}

function where(source: FeedSource): string {
  const parts: string[] = [];
  if (source.file !== undefined) parts.push(source.file);
  if (source.sample !== undefined) parts.push(`sample ${source.sample}`);
  return parts.length === 0 ? 'the calibration data' : parts.join(', ');
}

function context(input: ModelInput, source: FeedSource): ErrorContext {
  return { input: input.name, ...source };
}

/**
 * Fails with `bad-calibration-data` naming the input and the source unless `dims` fits the
 * input's declared shape: same rank, and every static axis of the same size.
 */
export function checkInputShape(
  input: ModelInput,
  dims: readonly number[],
  source: FeedSource = {},
): void {
  const expected = input.dims;
  if (expected === undefined) return;
  const fits =
    expected.length === dims.length && expected.every((d, i) => d === undefined || d === dims[i]);
  if (!fits) {
    fail(
      'bad-calibration-data',
      `input '${input.name}' expects shape ${formatInputShape(input)}, but ${where(source)} ` +
        `holds [${dims.join(', ')}]`,
      context(input, source),
    );
  }
}

/** Fails with `bad-calibration-data` unless `dtype` is the input's declared element type. */
export function checkInputType(input: ModelInput, dtype: string, source: FeedSource = {}): void {
  if (input.dtype !== undefined && input.dtype !== dtype) {
    fail(
      'bad-calibration-data',
      `input '${input.name}' is ${input.dtype}, but ${where(source)} holds ${dtype}`,
      context(input, source),
    );
  }
}

/**
 * Fails with `bad-calibration-data` naming the input, the source and the sample of the first
 * NaN or infinity in x (f32, leading axis = samples); `firstSample` numbers x's first sample.
 */
export function checkFinite(
  input: string,
  x: Float32Array,
  dims: readonly number[],
  source: FeedSource & { readonly firstSample?: number } = {},
): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v === 0) continue;
    const perSample = dims.length === 0 ? x.length : x.length / Math.max(1, dims[0]!);
    const sample = (source.firstSample ?? 0) + Math.floor(i / perSample);
    const file = source.file === undefined ? '' : ` of ${source.file}`;
    fail(
      'bad-calibration-data',
      `input '${input}' holds ${v} in sample ${sample}${file} (flat index ${i}); ` +
        'calibration data must be finite',
      { input, sample, ...(source.file === undefined ? {} : { file: source.file }) },
    );
  }
}

/**
 * checkFinite for a tensor of any type: float32 values, float16 bit patterns (exponent all
 * ones: infinity or NaN); integer and bool tensors are finite by construction.
 */
export function checkFiniteTensor(
  input: string,
  t: RuntimeTensor,
  source: FeedSource & { readonly firstSample?: number } = {},
): void {
  if (t.type === 'float32') checkFinite(input, t.data as Float32Array, t.dims, source);
  if (t.type !== 'float16') return;
  const bits = t.data as Uint16Array;
  if (bits.every((h) => (h & 0x7c00) !== 0x7c00)) return;
  checkFinite(input, Float32Array.from(bits, float16ToNumber), t.dims, source);
}

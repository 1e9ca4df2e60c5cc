// Inputs for `zeropoint bench MODEL...`: the model's graph inputs, the size of every dynamic
// dimension (from --dim, else the first calibration sample, else a default: 1 for batch axes,
// 224 for an image's height and width), and deterministic generated feeds. Reading calibration
// files is calib-data.ts's, shared with `quantize`.
import { fail } from '../../core/errors.js';
import { numberToFloat16 } from '../../core/float16.js';
import { dtypeFromOnnx } from '../../onnx/dtypes.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import type { RuntimeTensor, RuntimeType } from '../../runtime/onnxruntime.js';
import { fillValues } from '../../hardware/index.js';

/** A graph input: name, element type, and dimensions (a name or undefined where not fixed). */
export interface InputSpec {
  readonly name: string;
  readonly type: RuntimeType;
  readonly dims: readonly (number | string | undefined)[];
}

/** One set of feeds, one tensor per model input. */
export type Feeds = Readonly<Record<string, RuntimeTensor>>;

const RUNTIME_TYPES: readonly string[] = [
  'float32',
  'float16',
  'int8',
  'uint8',
  'int32',
  'int64',
  'bool',
];

/** The model's graph inputs that are not initializers, with their declared types and shapes. */
export function inputSpecs(model: ModelProto): InputSpec[] {
  const graph = model.graph!;
  const initializers = new Set(graph.initializer.map((t) => t.name));
  return graph.input
    .filter((vi) => !initializers.has(vi.name))
    .map((vi) => {
      const tensor = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
      const dtype = tensor === undefined ? undefined : dtypeFromOnnx(tensor.elemType);
      if (dtype === undefined || !RUNTIME_TYPES.includes(dtype)) {
        fail('unsupported-op', `input '${vi.name}' has a type zeropoint bench cannot feed`, {
          input: vi.name,
        });
      }
      const dims = (tensor!.shape?.dim ?? []).map((d) =>
        d.value.case === 'dimValue'
          ? Number(d.value.value)
          : d.value.case === 'dimParam'
            ? d.value.value
            : undefined,
      );
      return { name: vi.name, type: dtype as RuntimeType, dims };
    });
}

/** Parses --dim values: `name=N` for a symbolic dimension, `input:axis=N` for an unnamed one. */
export function parseDims(flags: readonly string[]): Map<string, number> {
  const dims = new Map<string, number>();
  for (const flag of flags) {
    const match = /^(.+)=(\d+)$/.exec(flag);
    const value = Number(match?.[2]);
    if (match === null || !(value > 0)) {
      fail('bad-argument', `--dim takes NAME=N or INPUT:AXIS=N with N > 0, got "${flag}"`);
    }
    dims.set(match[1]!, value);
  }
  return dims;
}

/** Height and width of generated images whose model leaves them dynamic (ImageNet's size). */
export const IMAGE_SIZE = 224;

/** Symbolic names that mean "batch". */
const BATCH_NAMES = /^(n|batch|batch_?size|bs)$/i;

/** The concrete shape of every input, and the sizes bench chose itself. */
export interface ResolvedShapes {
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** `input:axis` -> size, for each dimension neither the model, --dim nor --calib fixed. */
  readonly defaults: Readonly<Record<string, number>>;
}

/** Height and width axes of an image input (rank 4, 1 or 3 channels at axis 1 or 3). */
function imageAxes(spec: InputSpec): readonly number[] {
  if (spec.dims.length !== 4 || !['float32', 'float16', 'uint8'].includes(spec.type)) return [];
  const channels = (d: InputSpec['dims'][number]): boolean => d === 1 || d === 3;
  if (channels(spec.dims[1])) return [2, 3];
  return channels(spec.dims[3]) ? [1, 2] : [];
}

/** The default of a dynamic dimension, or undefined when bench cannot guess one. */
function defaultSize(spec: InputSpec, axis: number): number | undefined {
  const d = spec.dims[axis];
  if (axis === 0 || (typeof d === 'string' && BATCH_NAMES.test(d))) return 1;
  return imageAxes(spec).includes(axis) ? IMAGE_SIZE : undefined;
}

/** The --dim flag that sets `axis` of `spec`: by its symbolic name where it has one. */
function dimFlag(spec: InputSpec, axis: number): string {
  const d = spec.dims[axis];
  return typeof d === 'string' ? `--dim ${d}=N` : `--dim ${spec.name}:${axis}=N`;
}

/**
 * The shape of each input: a fixed size, else --dim (`input:axis`, then the symbolic name),
 * else the size in `sample` (the first calibration sample), else defaultSize. Fails once with
 * `bad-argument`, listing every dimension left and the --dim flags that would set them.
 */
export function resolveShapes(
  specs: readonly InputSpec[],
  dims: ReadonlyMap<string, number>,
  sample?: Feeds,
): ResolvedShapes {
  const shapes: Record<string, number[]> = {};
  const defaults: Record<string, number> = {};
  const missing: { spec: InputSpec; axis: number }[] = [];
  for (const spec of specs) {
    shapes[spec.name] = spec.dims.map((d, axis) => {
      if (typeof d === 'number' && d > 0) return d;
      const given =
        dims.get(`${spec.name}:${axis}`) ??
        (typeof d === 'string' ? dims.get(d) : undefined) ??
        sample?.[spec.name]?.dims[axis];
      if (given !== undefined) return given;
      const guess = defaultSize(spec, axis);
      if (guess === undefined) missing.push({ spec, axis });
      else defaults[`${spec.name}:${axis}`] = guess;
      return guess ?? 0;
    });
  }
  if (missing.length > 0) {
    const where = missing.map(({ spec, axis }) => {
      const d = spec.dims[axis];
      return `'${spec.name}' axis ${axis}${typeof d === 'string' ? ` (${d})` : ''}`;
    });
    const flags = [...new Set(missing.map(({ spec, axis }) => dimFlag(spec, axis)))];
    const first = missing[0]!;
    fail(
      'bad-argument',
      `${missing.length} dynamic dimension${missing.length === 1 ? ' has' : 's have'} no size: ` +
        `${where.join(', ')}; pass ${flags.join(' ')}, or --calib with real samples`,
      { input: first.spec.name, axis: first.axis },
    );
  }
  return { shapes, defaults };
}

/** Elements one generated input may have: 2^28 (1 GiB of float32), past any model's input here. */
const MAX_GENERATED_ELEMENTS = 2 ** 28;

/** Deterministic feeds of the given shapes: floats in [-1, 1), integers and booleans zero. */
export function feedsOfShapes(
  specs: readonly InputSpec[],
  shapes: Readonly<Record<string, readonly number[]>>,
): Feeds {
  const feeds: Record<string, RuntimeTensor> = {};
  specs.forEach((spec, i) => {
    const shape = [...shapes[spec.name]!];
    const count = shape.reduce((x, y) => x * y, 1);
    if (!(count <= MAX_GENERATED_ELEMENTS)) {
      fail(
        'bad-argument',
        `input '${spec.name}' of shape [${shape.join(', ')}] would hold ${count} elements, ` +
          `more than the ${MAX_GENERATED_ELEMENTS} zeropoint generates; size it with --dim ` +
          'or give --calib with real samples',
        { input: spec.name },
      );
    }
    const floats = fillValues('float32', count, 11 + i) as Float32Array;
    const data: RuntimeTensor['data'] =
      spec.type === 'float32'
        ? floats
        : spec.type === 'float16'
          ? Uint16Array.from(floats, numberToFloat16)
          : spec.type === 'int64'
            ? new BigInt64Array(count)
            : spec.type === 'int32'
              ? new Int32Array(count)
              : spec.type === 'int8'
                ? fillValues('int8', count, 11 + i)
                : spec.type === 'uint8'
                  ? fillValues('uint8', count, 11 + i)
                  : new Uint8Array(count);
    feeds[spec.name] = { type: spec.type, dims: shape, data };
  });
  return feeds;
}

/** Deterministic feeds for the inputs, their dynamic sizes resolved as resolveShapes does. */
export function generatedFeeds(
  specs: readonly InputSpec[],
  dims: ReadonlyMap<string, number>,
): Feeds {
  return feedsOfShapes(specs, resolveShapes(specs, dims).shapes);
}

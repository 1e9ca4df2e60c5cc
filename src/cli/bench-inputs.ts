// Inputs for `zeropoint bench MODEL...`: the model's graph inputs with their dimensions resolved
// from --dim flags, filled from calibration .npy files or generated deterministically.
// Not image decoding or calibration sets in general (the calib commands' business): .npy only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fail } from '../core/errors.js';
import { numberToFloat16 } from '../core/float16.js';
import { dtypeFromOnnx } from '../onnx/dtypes.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import type { RuntimeTensor, RuntimeType } from '../runtime/onnxruntime.js';
import { fillValues } from './bench-kernel-models.js';
import { parseNpy } from './npy.js';

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

/** The concrete shape of an input, failing with the flag to pass for each unresolved dimension. */
export function resolveShape(spec: InputSpec, dims: ReadonlyMap<string, number>): number[] {
  return spec.dims.map((d, axis) => {
    if (typeof d === 'number' && d > 0) return d;
    const named = typeof d === 'string' ? dims.get(d) : undefined;
    const positional = dims.get(`${spec.name}:${axis}`);
    const value = positional ?? named;
    if (value === undefined) {
      const flag = typeof d === 'string' ? `--dim ${d}=N` : `--dim ${spec.name}:${axis}=N`;
      fail('bad-argument', `input '${spec.name}' axis ${axis} has no fixed size; pass ${flag}`, {
        input: spec.name,
        axis,
      });
    }
    return value;
  });
}

/** Deterministic feeds for the inputs: floats in [-1, 1), integers and booleans zero. */
export function generatedFeeds(
  specs: readonly InputSpec[],
  dims: ReadonlyMap<string, number>,
): Feeds {
  const feeds: Record<string, RuntimeTensor> = {};
  specs.forEach((spec, i) => {
    const shape = resolveShape(spec, dims);
    const count = shape.reduce((x, y) => x * y, 1);
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

function npyFeed(file: string, spec: InputSpec, dims: ReadonlyMap<string, number>): RuntimeTensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    fail('io', `cannot read ${file}: ${(error as Error).message}`, { file });
  }
  const array = parseNpy(bytes, file);
  if (spec.type !== 'float32') {
    fail(
      'bad-calibration-data',
      `input '${spec.name}' is ${spec.type}; .npy calibration feeds float32`,
      {
        file,
        input: spec.name,
      },
    );
  }
  const shape = array.shape.length + 1 === spec.dims.length ? [1, ...array.shape] : array.shape;
  const fixed = spec.dims.map((d) => (typeof d === 'number' && d > 0 ? d : undefined));
  const wanted = spec.dims.map(
    (d, axis) =>
      fixed[axis] ??
      dims.get(`${spec.name}:${axis}`) ??
      (typeof d === 'string' ? dims.get(d) : undefined),
  );
  const mismatch =
    shape.length !== spec.dims.length || wanted.some((d, i) => d !== undefined && d !== shape[i]);
  if (mismatch) {
    fail(
      'bad-calibration-data',
      `${file} has shape [${array.shape.join(', ')}], but input '${spec.name}' is ` +
        `[${spec.dims.map((d) => d ?? '?').join(', ')}]`,
      { file, input: spec.name },
    );
  }
  return { type: 'float32', dims: shape, data: array.data };
}

/**
 * Calibration feeds from `path`: one .npy file (a model with one input); or a directory holding
 * `<input>.npy` for every input (one sample), or else .npy files that are each a sample of the
 * model's single input, in name order.
 */
export function calibrationFeeds(
  path: string,
  specs: readonly InputSpec[],
  dims: ReadonlyMap<string, number>,
): Feeds[] {
  const single = (): InputSpec => {
    if (specs.length !== 1) {
      fail(
        'bad-calibration-data',
        `the model has ${specs.length} inputs; put <input>.npy for each of ` +
          `${specs.map((s) => s.name).join(', ')} in the --calib directory`,
        { file: path },
      );
    }
    return specs[0]!;
  };
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch (error) {
    fail('io', `cannot read ${path}: ${(error as Error).message}`, { file: path });
  }
  if (!directory) return [{ [single().name]: npyFeed(path, single(), dims) }];
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.npy'))
    .sort();
  const named = new Set(files.map((f) => basename(f, '.npy')));
  if (specs.every((s) => named.has(s.name))) {
    return [
      Object.fromEntries(specs.map((s) => [s.name, npyFeed(join(path, `${s.name}.npy`), s, dims)])),
    ];
  }
  if (files.length === 0)
    fail('bad-calibration-data', `${path} holds no .npy files`, { file: path });
  const spec = single();
  return files.map((f) => ({ [spec.name]: npyFeed(join(path, f), spec, dims) }));
}

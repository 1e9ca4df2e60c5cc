// Calibration data from a NumPy .npz archive (np.savez or np.savez_compressed) held in memory:
// one array per model input, named after it (a one-input model takes a lone array of any name)
// and of the type it declares (int64 token ids too), samples along the leading axis, split into
// batches of the batch size. Each matched member is decompressed once (zip.ts, fflate) and
// batches are views of it. Not .npy folders (npy-inputs.ts) and not reading the file
// (cli/io/calib-data.ts; the studio hands over bytes).
import { fail } from '../core/errors.js';
import { sizeOf } from '../core/granularity.js';
import type { Feeds } from '../ptq/batches.js';
import { checkFiniteTensor, type ModelInput } from '../ptq/model-inputs.js';
import type { RuntimeType } from '../runtime/onnxruntime.js';
import { NPY_DTYPES, viewValues, type TensorData } from './npy-dtypes.js';
import { checkNpyHeader, feedType, parseNpyHeader, type NpyHeader } from './npy-inputs.js';
import { zipMemberBytes, zipMembers, type ZipMember } from './zip.js';

/** One input's array in the archive, decompressed. */
export interface NpzArray {
  readonly input: ModelInput;
  /** `archive:member`, for errors. */
  readonly what: string;
  readonly header: NpyHeader;
  /** The input's element type, which the array holds. */
  readonly type: RuntimeType;
  /** The array's values, all samples. */
  readonly values: TensorData;
}

/** The arrays of an archive, matched to the model's inputs and checked. */
export interface NpzPlan {
  readonly file: string;
  readonly arrays: readonly NpzArray[];
  /** Samples: the common leading size of the arrays. */
  readonly samples: number;
}

function arrayName(member: ZipMember): string {
  return member.name.endsWith('.npy') ? member.name.slice(0, -4) : member.name;
}

function readArray(
  bytes: Uint8Array,
  member: ZipMember,
  input: ModelInput,
  batchSize: number,
  file: string,
): NpzArray {
  const what = `${file}:${member.name}`;
  const npy = zipMemberBytes(bytes, member, file);
  const header = parseNpyHeader(npy, what);
  if (header.shape.length === 0) {
    fail('bad-calibration-data', `${what} is a scalar; samples go along a leading axis`, {
      input: input.name,
      file,
    });
  }
  const batch = [Math.min(batchSize, header.shape[0]!), ...header.shape.slice(1)];
  checkNpyHeader(input, header, what, batch);
  // A shape asking for more bytes than the member holds is a corrupted header: say so now,
  // before a batch that size is read.
  const type = feedType(input, what);
  const count = sizeOf(header.shape);
  const needed = header.dataOffset + NPY_DTYPES[type].bytes * count;
  if (needed > npy.length) {
    fail(
      'bad-file',
      `${what} declares shape (${header.shape.join(', ')}), ${needed} bytes, but holds ${npy.length}`,
      { input: input.name, file },
    );
  }
  return { input, what, header, type, values: viewValues(npy, header.dataOffset, count, type) };
}

/**
 * Matches `inputs` to the arrays of the archive `bytes` (`file` names it in errors) and checks
 * them: the input's element type, trailing dims as the input declares, a batch of `batchSize` fitting its
 * leading axis, and one leading size for all arrays.
 */
export function planNpz(
  bytes: Uint8Array,
  file: string,
  inputs: readonly ModelInput[],
  batchSize: number,
): NpzPlan {
  const members = zipMembers(bytes, file);
  const names = members.map(arrayName);
  const arrays: NpzArray[] = [];
  for (const input of inputs) {
    const at = names.indexOf(input.name);
    const member =
      at >= 0 ? members[at] : inputs.length === 1 && members.length === 1 ? members[0] : undefined;
    if (member === undefined) {
      fail(
        'bad-calibration-data',
        `${file} has no array named '${input.name}' (arrays: ${names.join(', ') || 'none'})`,
        { input: input.name, file },
      );
    }
    arrays.push(readArray(bytes, member, input, batchSize, file));
  }
  const samples = arrays[0]?.header.shape[0] ?? 0;
  for (const a of arrays) {
    if (a.header.shape[0] !== samples) {
      fail(
        'bad-calibration-data',
        `${file}: '${a.input.name}' holds ${a.header.shape[0]} samples but '${arrays[0]!.input.name}' holds ${samples}`,
        { input: a.input.name, file },
      );
    }
  }
  return { file, arrays, samples };
}

/** The planned arrays in batches of `batchSize` samples (the last may be smaller), as views. */
export function* npzBatches(plan: NpzPlan, batchSize: number): Generator<Feeds> {
  for (let first = 0; first < plan.samples; first += batchSize) {
    const rows = Math.min(batchSize, plan.samples - first);
    const feeds: Record<string, Feeds[string]> = {};
    for (const a of plan.arrays) {
      const dims = [rows, ...a.header.shape.slice(1)];
      const inner = sizeOf(dims.slice(1));
      const data = a.values.subarray(first * inner, (first + rows) * inner);
      const tensor = { type: a.type, dims, data };
      checkFiniteTensor(a.input.name, tensor, { file: a.what, firstSample: first });
      feeds[a.input.name] = tensor;
    }
    yield feeds;
  }
}

// Calibration samples written as JSON text: JSONL (one object per line) or a .json array of
// such objects, each `{"input_ids": [[101, 7592, 102]], "attention_mask": [[1, 1, 1]]}` with one
// nested array per model input. The element type is the one the model declares (float32 when it
// declares none); shapes come from the nesting, a missing leading batch axis reads as 1. Every
// sample is checked when planned, before the first batch. Not tokenizing text, not file access.
import { fail } from '../core/errors.js';
import { numberToFloat16 } from '../core/float16.js';
import type { Feeds } from '../ptq/batches.js';
import { checkInputShape, type ModelInput } from '../ptq/model-inputs.js';
import type { RuntimeTensor, RuntimeType } from '../runtime/onnxruntime.js';
import { NPY_DTYPES } from './npy-dtypes.js';
import { feedType } from './npy-inputs.js';

type Where = { readonly input: string; readonly file: string; readonly what: string };

function bad(where: Where, why: string): never {
  return fail('bad-calibration-data', `input '${where.input}' in ${where.what}: ${why}`, {
    input: where.input,
    file: where.file,
  });
}

/** Shape and flat leaves of a rectangular nested array; `bad-calibration-data` if ragged. */
function flatten(value: unknown, where: Where): { shape: number[]; leaves: unknown[] } {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0] as unknown) shape.push(v.length);
  const leaves: unknown[] = [];
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) bad(where, `${at} nests deeper than the first element`);
      leaves.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      bad(where, `${at} is not an array of ${shape[depth]} (arrays must be rectangular)`);
    }
    v.forEach((x, i) => walk(x, depth + 1, `${at}[${i}]`));
  };
  walk(value, 0, 'the value');
  return { shape, leaves };
}

const INT_RANGES: Partial<Record<RuntimeType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

/** One leaf as a value of `type` (bigint for int64); `bad-calibration-data` when it is not one. */
function convertLeaf(
  leaf: unknown,
  type: RuntimeType,
  where: Where,
  index: number,
): number | bigint {
  const badLeaf = (): never =>
    bad(where, `expects ${type}, but flat index ${index} holds ${JSON.stringify(leaf)}`);
  if (type === 'bool') {
    if (leaf === true || leaf === 1) return 1;
    return leaf === false || leaf === 0 ? 0 : badLeaf();
  }
  if (type === 'int64') {
    // Ids past 2^53 arrive as decimal strings; ids outside a vocabulary pass through.
    if (typeof leaf === 'string' && /^-?\d+$/.test(leaf)) return BigInt(leaf);
    return Number.isSafeInteger(leaf) ? BigInt(leaf as number) : badLeaf();
  }
  if (typeof leaf !== 'number') return badLeaf();
  if (type === 'float32') return leaf;
  if (type === 'float16') return numberToFloat16(leaf);
  const [low, high] = INT_RANGES[type]!;
  return Number.isInteger(leaf) && leaf >= low && leaf <= high ? leaf : badLeaf();
}

/** The value of one input in one sample as a tensor of the input's type and shape. */
function toTensor(value: unknown, input: ModelInput, file: string, what: string): RuntimeTensor {
  const where = { input: input.name, file, what };
  const type = feedType(input, file);
  const { shape, leaves } = flatten(value, where);
  const dims =
    input.dims !== undefined && shape.length === input.dims.length - 1 ? [1, ...shape] : shape;
  checkInputShape(input, dims, { file: what });
  const data = new NPY_DTYPES[type].array(leaves.length);
  leaves.forEach((leaf, i) => {
    (data as unknown as (number | bigint)[])[i] = convertLeaf(leaf, type, where, i);
  });
  return { type, dims, data };
}

/**
 * One sample object (input name -> nested array) as feeds of the inputs' declared types;
 * missing or unknown inputs fail naming them and `what` (the line or sample of `file`).
 */
export function sampleFeeds(
  sample: unknown,
  inputs: readonly ModelInput[],
  file: string,
  what: string,
): Feeds {
  const names = inputs.map((i) => i.name);
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    fail('bad-calibration-data', `${what} is not an object of input name -> array`, { file });
  }
  const record = sample as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !names.includes(k));
  if (unknown.length > 0) {
    fail(
      'bad-calibration-data',
      `${what} holds '${unknown.join("', '")}', which the model does not take ` +
        `(inputs: ${names.join(', ')})`,
      { input: unknown[0]!, file },
    );
  }
  const feeds: Record<string, RuntimeTensor> = {};
  for (const input of inputs) {
    if (!Object.hasOwn(record, input.name)) {
      fail(
        'bad-calibration-data',
        `${what} lacks input '${input.name}' (it holds: ${Object.keys(record).join(', ') || 'nothing'})`,
        { input: input.name, file },
      );
    }
    feeds[input.name] = toTensor(record[input.name], input, file, what);
  }
  return feeds;
}

/** The parsed JSON `text` (`what` names it); `bad-calibration-data` naming where it fails. */
function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return fail('bad-calibration-data', `${what} is not JSON: ${(error as Error).message}`, {
      file,
    });
  }
}

/**
 * The samples of JSON text `file` for `inputs`: JSONL when the name ends in .jsonl (one object
 * per non-blank line), else one JSON value, an object or an array of objects. One batch each.
 */
export function parseJsonSamples(
  text: string,
  file: string,
  inputs: readonly ModelInput[],
): Feeds[] {
  if (file.toLowerCase().endsWith('.jsonl')) {
    return text.split('\n').flatMap((line, i) => {
      if (line.trim().length === 0) return [];
      const what = `line ${i + 1} of ${file}`;
      return [sampleFeeds(parseJson(line, file, what), inputs, file, what)];
    });
  }
  const value = parseJson(text, file, file);
  const samples = Array.isArray(value) ? value : [value];
  return samples.map((s, i) =>
    sampleFeeds(s, inputs, file, Array.isArray(value) ? `sample ${i} of ${file}` : file),
  );
}

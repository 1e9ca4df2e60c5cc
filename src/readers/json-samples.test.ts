// JSON and JSONL calibration samples: each input's nested array read as the type the model
// declares (int64 ids, bool masks, float16, float32), a missing batch axis added, and every
// mismatch (type, shape, missing or unknown input, ragged array, bad JSON) a bad-calibration-data
// error naming the input, what was expected and found, and the line of the file.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/errors.js';
import { float16ToNumber } from '../core/float16.js';
import type { ModelInput } from '../ptq/model-inputs.js';
import { readJsonCalibration } from './calibration.js';
import { parseJsonSamples } from './json-samples.js';

function input(name: string, dtype: ModelInput['dtype'], dims: (number | undefined)[]): ModelInput {
  return { name, dtype, dims, dimNames: dims.map((d) => (d === undefined ? '?' : String(d))) };
}

const ids = input('input_ids', 'int64', [undefined, undefined]);
const mask = input('attention_mask', 'bool', [undefined, undefined]);
const bert = [ids, mask];

function errorOf(fn: () => unknown): { code: string; message: string; context: unknown } {
  try {
    fn();
  } catch (error) {
    if (isZeropointError(error))
      return { code: error.code, message: error.message, context: error.context };
    throw error;
  }
  throw new Error('did not fail');
}

describe('JSONL samples', () => {
  it('reads each line as one sample of the declared types, ids past 2^53 as strings', () => {
    const text =
      '{"input_ids": [[101, 7592, 102]], "attention_mask": [[true, true, false]]}\n\n' +
      '{"input_ids": [[101, "9007199254740993"]], "attention_mask": [[1, 0]]}\n';
    const [a, b] = parseJsonSamples(text, 'calib.jsonl', bert);
    expect(a!.input_ids).toEqual({
      type: 'int64',
      dims: [1, 3],
      data: BigInt64Array.of(101n, 7592n, 102n),
    });
    expect(a!.attention_mask).toEqual({ type: 'bool', dims: [1, 3], data: Uint8Array.of(1, 1, 0) });
    expect(Array.from(b!.input_ids!.data as BigInt64Array)).toEqual([101n, 2n ** 53n + 1n]);
  });

  it('ids outside any vocabulary pass through: the model decides', () => {
    const [s] = parseJsonSamples(
      '{"input_ids": [[-1, 999999]], "attention_mask": [[1, 1]]}',
      'c.jsonl',
      bert,
    );
    expect(Array.from(s!.input_ids!.data as BigInt64Array)).toEqual([-1n, 999999n]);
  });

  it('a sample without its batch axis reads as a batch of 1', () => {
    const [s] = parseJsonSamples(
      '{"input_ids": [5, 6], "attention_mask": [1, 1]}',
      'c.jsonl',
      bert,
    );
    expect(s!.input_ids!.dims).toEqual([1, 2]);
  });

  it('float32 and float16 inputs take numbers; an undeclared type reads as float32', () => {
    const x = input('x', 'float16', [1, 2]);
    const y = input('y', undefined, [1, 2]);
    const [s] = parseJsonSamples('{"x": [[1.5, -2]], "y": [[0.25, 3]]}', 'c.json', [x, y]);
    expect(s!.x!.type).toBe('float16');
    expect(Array.from(s!.x!.data as Uint16Array, float16ToNumber)).toEqual([1.5, -2]);
    expect(s!.y).toEqual({ type: 'float32', dims: [1, 2], data: Float32Array.of(0.25, 3) });
  });

  it('a .json file holds one object or an array of them', () => {
    const one = parseJsonSamples('{"input_ids": [[1]], "attention_mask": [[1]]}', 'a.json', bert);
    const two = parseJsonSamples(
      '[{"input_ids": [[1]], "attention_mask": [[1]]}, {"input_ids": [[2]], "attention_mask": [[0]]}]',
      'b.json',
      bert,
    );
    expect([one.length, two.length]).toEqual([1, 2]);
  });
});

describe('JSONL mismatches name the input, expected vs found, and the line', () => {
  const line2 =
    (second: string): (() => unknown) =>
    () =>
      parseJsonSamples(
        `{"input_ids": [[1]], "attention_mask": [[1]]}\n${second}`,
        'calib.jsonl',
        bert,
      );

  it('a missing input says which and where it was looked for', () => {
    const e = errorOf(line2('{"input_ids": [[1, 2]]}'));
    expect(e.code).toBe('bad-calibration-data');
    expect(e.message).toBe(
      "line 2 of calib.jsonl lacks input 'attention_mask' (it holds: input_ids)",
    );
    expect(e.context).toEqual({ input: 'attention_mask', file: 'calib.jsonl' });
  });

  it('an input the model does not take is refused, listing the inputs', () => {
    expect(
      errorOf(line2('{"input_ids": [[1]], "attention_mask": [[1]], "label": 1}')).message,
    ).toMatch(
      /line 2 of calib.jsonl holds 'label', which the model does not take \(inputs: input_ids, attention_mask\)/,
    );
  });

  it('a float where int64 ids are declared', () => {
    expect(errorOf(line2('{"input_ids": [[1, 2.5]], "attention_mask": [[1, 1]]}')).message).toBe(
      "input 'input_ids' in line 2 of calib.jsonl: expects int64, but flat index 1 holds 2.5",
    );
  });

  it('a bool mask holding 2', () => {
    expect(errorOf(line2('{"input_ids": [[1]], "attention_mask": [[2]]}')).message).toMatch(
      /'attention_mask' in line 2 of calib.jsonl: expects bool, but flat index 0 holds 2/,
    );
  });

  it('a fixed dim of another size, and a ragged array', () => {
    const fixed = input('input_ids', 'int64', [1, 4]);
    expect(
      errorOf(() => parseJsonSamples('{"input_ids": [[1, 2, 3]]}', 'c.jsonl', [fixed])).message,
    ).toMatch(/input 'input_ids' expects shape \[1, 4\], but line 1 of c.jsonl holds \[1, 3\]/);
    expect(
      errorOf(line2('{"input_ids": [[1, 2], [3]], "attention_mask": [[1, 1], [1]]}')).message,
    ).toMatch(/'input_ids' in line 2 of calib.jsonl: the value\[1\] is not an array of 2/);
  });

  it('int32 and uint8 inputs refuse values out of their range', () => {
    const small = input('pos', 'int32', [undefined]);
    expect(
      errorOf(() => parseJsonSamples('{"pos": [2147483648]}', 'c.jsonl', [small])).message,
    ).toMatch(/expects int32, but flat index 0 holds 2147483648/);
  });

  it('a line that is not JSON', () => {
    expect(errorOf(line2('{"input_ids": [[1]],')).message).toMatch(
      /^line 2 of calib.jsonl is not JSON: /,
    );
  });
});

describe('readJsonCalibration', () => {
  it('counts the samples and regroups same-length samples into the batch size', async () => {
    const line = (n: number): string =>
      JSON.stringify({ input_ids: [Array(n).fill(7)], attention_mask: [Array(n).fill(1)] });
    const text = [line(3), line(3), line(3), line(5)].join('\n');
    const data = readJsonCalibration([{ name: 'c.jsonl', text }], bert, 2);
    const dims: number[][] = [];
    for await (const feeds of data.batches) dims.push([...feeds.input_ids!.dims]);
    expect(data.samples).toBe(4);
    expect(data.kind).toBe('json');
    expect(dims).toEqual([
      [2, 3],
      [1, 3],
      [1, 5],
    ]);
  });

  it('no samples at all is bad-calibration-data naming the file', () => {
    expect(
      errorOf(() => readJsonCalibration([{ name: 'empty.jsonl', text: '\n' }], bert)).message,
    ).toMatch(/no calibration samples in empty.jsonl/);
  });
});

// Token-id calibration data on disk, as tokenizer scripts write it for multi-input models: a
// folder of .npz archives (one sample set each), `INPUT.*.npy` files of int64 and bool arrays,
// JSONL, and text lines with a tokenizer.json beside them; each regrouped into the batch size, and a missing input or a wrong dtype refused
// before the first batch, naming the input and where it was looked for.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { Feeds } from '../../ptq/batches.js';
import type { ModelInput } from '../../ptq/model-inputs.js';
import { serializeNpyTensor, type NpyTensor } from '../../readers/npy.js';
import { wordTokenizer } from '../../../test/helpers/word-tokenizer.js';
import { openCalibrationData } from './calib-data.js';

const root = mkdtempSync(join(tmpdir(), 'zeropoint-npz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
function folder(files: Record<string, Uint8Array | string>): string {
  const dir = join(root, String(folders++));
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const int64 = (values: number[]): NpyTensor => ({
  type: 'int64',
  shape: [1, values.length],
  data: BigInt64Array.from(values, BigInt),
});

function npz(arrays: Record<string, NpyTensor>): Uint8Array {
  return zipSync(
    Object.fromEntries(
      Object.entries(arrays).map(([name, t]) => [`${name}.npy`, serializeNpyTensor(t)]),
    ),
  );
}

const seq = (name: string, dtype: ModelInput['dtype'] = 'int64'): ModelInput => ({
  name,
  dtype,
  dims: [undefined, undefined],
  dimNames: ['batch', 'sequence'],
});
const bert = [seq('input_ids'), seq('attention_mask'), seq('token_type_ids')];

async function all(stream: AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

const sample = (k: number): Record<string, NpyTensor> => ({
  input_ids: int64([101, 7 + k, 102]),
  attention_mask: int64([1, 1, 1]),
  token_type_ids: int64([0, 0, k % 2]),
});

describe('a folder of .npz archives, one sample set each', () => {
  it('regroups the samples into the batch size, int64 values in file order', async () => {
    const dir = folder(Object.fromEntries([0, 1, 2].map((k) => [`000${k}.npz`, npz(sample(k))])));
    const data = await openCalibrationData(dir, bert, { batchSize: 2 });
    expect([data.kind, data.samples]).toEqual(['npz', 3]);
    const batches = await all(data.batches);
    expect(batches.map((f) => f.input_ids!.dims)).toEqual([
      [2, 3],
      [1, 3],
    ]);
    expect(Array.from(batches[0]!.input_ids!.data as BigInt64Array)).toEqual([
      101n,
      7n,
      102n,
      101n,
      8n,
      102n,
    ]);
  });

  it('an archive lacking an input fails naming the input and the archive', async () => {
    const partial = sample(1);
    delete partial.token_type_ids;
    const dir = folder({ '0.npz': npz(sample(0)), '1.npz': npz(partial) });
    await expect(openCalibrationData(dir, bert)).rejects.toThrow(
      /1\.npz has no array named 'token_type_ids' \(arrays: input_ids, attention_mask\)/,
    );
  });
});

describe('INPUT.*.npy files of token ids', () => {
  it('pairs int64 ids with a bool mask, each read as its own type', async () => {
    const mask: NpyTensor = { type: 'bool', shape: [1, 3], data: Uint8Array.of(1, 1, 0) };
    const dir = folder({
      'input_ids.0.npy': serializeNpyTensor(int64([101, 5, 102])),
      'attention_mask.0.npy': serializeNpyTensor(mask),
    });
    const [feeds] = await all(
      (await openCalibrationData(dir, [seq('input_ids'), seq('attention_mask', 'bool')])).batches,
    );
    expect(feeds!.input_ids!.type).toBe('int64');
    expect(feeds!.attention_mask).toEqual({ type: 'bool', dims: [1, 3], data: mask.data });
  });

  it('an input without files says which input and the file name it looked for', async () => {
    const dir = folder({
      'input_ids.0.npy': serializeNpyTensor(int64([1])),
      'attention_mask.0.npy': serializeNpyTensor(int64([1])),
    });
    const error = await openCalibrationData(dir, bert).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /input 'token_type_ids' has 0 .npy files named token_type_ids\.\*\.npy in .*\/ but 'input_ids' has 1/,
    );
    expect(error).toMatchObject({
      code: 'bad-calibration-data',
      context: { input: 'token_type_ids' },
    });
  });
});

describe('JSONL samples', () => {
  it('a .jsonl file reads with the dtypes the model declares', async () => {
    const lines = [0, 1].map((k) =>
      JSON.stringify({
        input_ids: [[101, k, 102]],
        attention_mask: [[1, 1, 1]],
        token_type_ids: [[0, 0, 0]],
      }),
    );
    const dir = folder({ 'calib.jsonl': lines.join('\n') });
    const data = await openCalibrationData(join(dir, 'calib.jsonl'), bert, { batchSize: 2 });
    const [feeds] = await all(data.batches);
    expect([data.kind, data.samples, feeds!.input_ids!.type, ...feeds!.input_ids!.dims]).toEqual([
      'json',
      2,
      'int64',
      2,
      3,
    ]);
  });
});

describe('text lines and a tokenizer.json', () => {
  it('a .txt file is tokenized by the tokenizer.json in its folder', async () => {
    const dir = folder({
      'lines.txt': 'hello world\nthe cat\thello\n',
      'tokenizer.json': JSON.stringify(wordTokenizer(['hello', 'world', 'the', 'cat'])),
    });
    const data = await openCalibrationData(join(dir, 'lines.txt'), bert);
    const batches = await all(data.batches);
    expect([data.kind, data.samples]).toEqual(['text', 2]);
    expect(Array.from(batches[1]!.token_type_ids!.data as BigInt64Array)).toEqual([
      0n,
      0n,
      0n,
      0n,
      1n,
      1n,
    ]);
  });

  it('without a tokenizer.json it says where it looked and where to put one', async () => {
    const dir = folder({ 'lines.txt': 'hello\n' });
    await expect(openCalibrationData(join(dir, 'lines.txt'), bert)).rejects.toThrow(
      /no tokenizer\.json in .*; put the model's tokenizer\.json \(and tokenizer_config\.json\) beside the text file/,
    );
  });
});

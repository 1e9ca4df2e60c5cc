// Text calibration samples through a local tokenizer.json (a tiny WordPiece one built in code):
// one sample per line, a tab for a text pair with token type 1 on the second text, position ids
// counted, the inputs' declared types kept; an input no tokenizer fills, a broken tokenizer and
// blank text are refused naming what and where.
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../ptq/model-inputs.js';
import { wordTokenizer } from '../../test/helpers/word-tokenizer.js';
import { readTextCalibration } from './calibration.js';
import { tokenizeSamples } from './text-samples.js';

const seq = (name: string, dtype: ModelInput['dtype'] = 'int64'): ModelInput => ({
  name,
  dtype,
  dims: [undefined, undefined],
  dimNames: ['batch', 'sequence'],
});
const files = {
  source: 'tok/tokenizer.json',
  tokenizer: wordTokenizer(['hello', 'world', 'the', 'cat']),
  config: {},
};
const ids = (t: { data: unknown }): bigint[] => Array.from(t.data as BigInt64Array);

describe('tokenizeSamples', () => {
  it('a line is [CLS] words [SEP], unknown words [UNK], lowercased', () => {
    const [s] = tokenizeSamples('Hello ZEBRA world\n', 'lines.txt', files, [seq('input_ids')]);
    expect(s!.input_ids).toMatchObject({ type: 'int64', dims: [1, 5] });
    expect(ids(s!.input_ids!)).toEqual([2n, 4n, 1n, 5n, 3n]);
  });

  it('a tab splits a pair: token type 1 on the second text; masks and positions follow', () => {
    const inputs = [
      seq('input_ids'),
      seq('attention_mask'),
      seq('token_type_ids'),
      seq('position_ids'),
    ];
    const [s] = tokenizeSamples('the cat\thello', 'pairs.txt', files, inputs);
    expect(ids(s!.input_ids!)).toEqual([2n, 6n, 7n, 3n, 4n, 3n]);
    expect(ids(s!.attention_mask!)).toEqual([1n, 1n, 1n, 1n, 1n, 1n]);
    expect(ids(s!.token_type_ids!)).toEqual([0n, 0n, 0n, 0n, 1n, 1n]);
    expect(ids(s!.position_ids!)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it('inputs keep their declared types (int32 ids, bool mask)', () => {
    const [s] = tokenizeSamples('hello', 'l.txt', files, [
      seq('input_ids', 'int32'),
      seq('attention_mask', 'bool'),
    ]);
    expect(s!.input_ids).toEqual({ type: 'int32', dims: [1, 3], data: Int32Array.of(2, 4, 3) });
    expect(s!.attention_mask!.type).toBe('bool');
  });

  it('an input no tokenizer fills is refused, naming it and what text can fill', () => {
    expect(() =>
      tokenizeSamples('hello', 'l.txt', files, [seq('input_ids'), seq('pixel_values', 'float32')]),
    ).toThrow(
      /input 'pixel_values' cannot come from text: a tokenizer fills input_ids, attention_mask, token_type_ids, position_ids/,
    );
  });

  it('a tokenizer.json the library cannot read is a bad file naming it', () => {
    const broken = { ...files, tokenizer: { model: { type: 'Nonsense' } } };
    expect(() => tokenizeSamples('hello', 'l.txt', broken, [seq('input_ids')])).toThrow(
      /tok\/tokenizer\.json is not a tokenizer @huggingface\/tokenizers reads/,
    );
  });

  it('readTextCalibration counts lines and refuses blank text', async () => {
    const data = readTextCalibration(
      { name: 'l.txt', text: 'hello\nthe cat\n\nworld\n' },
      files,
      [seq('input_ids')],
      2,
    );
    const dims: number[][] = [];
    for await (const feeds of data.batches) dims.push([...feeds.input_ids!.dims]);
    expect([data.kind, data.samples]).toEqual(['text', 3]);
    expect(dims).toEqual([
      [1, 3],
      [1, 4],
      [1, 3],
    ]);
    expect(() =>
      readTextCalibration({ name: 'e.txt', text: '\n \n' }, files, [seq('input_ids')]),
    ).toThrow(/no calibration samples in e\.txt: no non-blank lines/);
  });
});

// Calibration samples from plain text and a local Hugging Face tokenizer (tokenizer.json, as
// the hub and transformers.js ship it): each non-blank line is one sample, a tab splits a text
// pair (BERT-style pair inputs), and the encoding fills the inputs a model takes by their usual
// names (input_ids, attention_mask, token_type_ids, position_ids), then goes through the JSON
// samples' checks. Tokenizing is @huggingface/tokenizers' (pure JS, offline); not file access.
import * as tokenizers from '@huggingface/tokenizers';
import { fail } from '../core/errors.js';
import type { Feeds } from '../ptq/batches.js';
import type { ModelInput } from '../ptq/model-inputs.js';
import { sampleFeeds } from './json-samples.js';

/** A tokenizer as its files hold it: tokenizer.json and tokenizer_config.json, parsed. */
export interface TokenizerFiles {
  /** Where tokenizer.json was read from, for errors. */
  readonly source: string;
  readonly tokenizer: unknown;
  /** tokenizer_config.json ({} when the folder has none). */
  readonly config: unknown;
}

/** What each input name the encoding fills takes from an encoding of `n` tokens. */
const FILLS: Readonly<Record<string, (e: Encoded) => number[]>> = {
  input_ids: (e) => e.ids,
  attention_mask: (e) => e.attention_mask,
  token_type_ids: (e) => e.token_type_ids ?? e.ids.map(() => 0),
  position_ids: (e) => e.ids.map((_, i) => i),
};

interface Encoded {
  readonly ids: number[];
  readonly attention_mask: number[];
  readonly token_type_ids?: number[];
}

/** The part of @huggingface/tokenizers' Tokenizer used here. */
interface TextTokenizer {
  encode(text: string, options: { text_pair?: string; return_token_type_ids: boolean }): Encoded;
}

// The package's .d.ts re-exports without file extensions, which NodeNext resolution cannot
// follow; its runtime export is typed here instead.
const { Tokenizer } = tokenizers as unknown as {
  Tokenizer: new (tokenizer: unknown, config: unknown) => TextTokenizer;
};

function load(files: TokenizerFiles): TextTokenizer {
  try {
    return new Tokenizer(files.tokenizer, files.config);
  } catch (error) {
    return fail(
      'bad-file',
      `${files.source} is not a tokenizer @huggingface/tokenizers reads: ${(error as Error).message}`,
      { file: files.source },
    );
  }
}

/**
 * The samples of `text` (`file` names it) tokenized by `files` for `inputs`; an input the
 * tokenizer cannot fill fails naming it and the names it fills.
 */
export function tokenizeSamples(
  text: string,
  file: string,
  files: TokenizerFiles,
  inputs: readonly ModelInput[],
): Feeds[] {
  for (const input of inputs) {
    if (!Object.hasOwn(FILLS, input.name)) {
      fail(
        'bad-calibration-data',
        `input '${input.name}' cannot come from text: a tokenizer fills ` +
          `${Object.keys(FILLS).join(', ')}; give its arrays in .npz or .jsonl samples`,
        { input: input.name, file },
      );
    }
  }
  const tokenizer = load(files);
  const pairs = inputs.some((i) => i.name === 'token_type_ids');
  return text.split('\n').flatMap((line, i) => {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed.trim().length === 0) return [];
    const [first, second] = trimmed.split('\t');
    const encoded: Encoded = tokenizer.encode(first!, {
      ...(second === undefined ? {} : { text_pair: second }),
      return_token_type_ids: pairs,
    });
    const record = Object.fromEntries(
      inputs.map((input) => [input.name, [FILLS[input.name]!(encoded)]]),
    );
    return [sampleFeeds(record, inputs, file, `line ${i + 1} of ${file}`)];
  });
}

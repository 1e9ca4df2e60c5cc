// A tiny BERT-style WordPiece tokenizer.json built in code (no download): lowercasing, [CLS] A
// [SEP] for one text and [CLS] A [SEP] B [SEP] with token type 1 for B in a pair. Test-only.

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];

/** tokenizer.json's object for `words` (ids 4 on, after [PAD] [UNK] [CLS] [SEP]). */
export function wordTokenizer(words: readonly string[]): Record<string, unknown> {
  const vocab = Object.fromEntries([...SPECIAL, ...words].map((w, id) => [w, id]));
  const special = (name: string, typeId: number) => ({
    SpecialToken: { id: name, type_id: typeId },
  });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [
        special('[CLS]', 0),
        sequence('A', 0),
        special('[SEP]', 0),
        sequence('B', 1),
        special('[SEP]', 1),
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

// A tiny BERT-shaped classifier for the token-id tests: three int64 inputs [batch, sequence]
// (input_ids, attention_mask, token_type_ids) -> word and type embeddings (Gather) -> masked ->
// MatMul + Add + Relu -> mean over the sequence -> MatMul head -> logits [batch, 2]. Test-only;
// the real transformers are scripts/train-transformers.py's.
import { attr } from '../../src/onnx/graph-node.js';
import { GraphBuilder } from './graph-builder.js';

/** Words in the tiny model's vocabulary: ids 0 .. VOCAB - 1 are valid. */
export const VOCAB = 40;
const HIDDEN = 16;

const wave = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(1.7 * i + seed));

/** The model's bytes (opset 13). */
export function tinyBert(): Uint8Array {
  const b = new GraphBuilder('tiny-bert');
  const dims = ['batch', 'sequence'];
  const ids = b.input('input_ids', 'int64', dims);
  const mask = b.input('attention_mask', 'int64', dims);
  const types = b.input('token_type_ids', 'int64', dims);
  const words = b.initializer(
    'word_embeddings',
    'float32',
    [VOCAB, HIDDEN],
    wave(VOCAB * HIDDEN, 1),
  );
  const kinds = b.initializer('type_embeddings', 'float32', [2, HIDDEN], wave(2 * HIDDEN, 2));
  const w1 = b.initializer('w1', 'float32', [HIDDEN, HIDDEN], wave(HIDDEN * HIDDEN, 3));
  const b1 = b.initializer('b1', 'float32', [HIDDEN], wave(HIDDEN, 4));
  const head = b.initializer('head', 'float32', [HIDDEN, 2], wave(HIDDEN * 2, 5));
  const axis = b.initializer('axis', 'int64', [1], BigInt64Array.of(2n));
  const embedded = b.op('Add', [b.op('Gather', [words, ids]), b.op('Gather', [kinds, types])]);
  const keep = b.op('Unsqueeze', [b.op('Cast', [mask], [attr.int('to', 1)]), axis]);
  const hidden = b.op('Relu', [
    b.op('Add', [b.op('MatMul', [b.op('Mul', [embedded, keep]), w1]), b1]),
  ]);
  const pooled = b.op('ReduceMean', [hidden], [attr.ints('axes', [1]), attr.int('keepdims', 0)]);
  b.output(b.op('MatMul', [pooled, head]), 'float32', ['batch', 2]);
  return b.bytes({ opset: 13 });
}

/** Sample `k` of length `length`: ids cycling through the vocabulary, the last k masked. */
export function tokenSample(k: number, length = 6): Record<string, BigInt64Array> {
  return {
    input_ids: BigInt64Array.from({ length }, (_, i) => BigInt((7 * i + 3 * k + 1) % VOCAB)),
    attention_mask: BigInt64Array.from({ length }, (_, i) => (i < length - (k % 3) ? 1n : 0n)),
    token_type_ids: BigInt64Array.from({ length }, (_, i) => (i >= length / 2 ? 1n : 0n)),
  };
}

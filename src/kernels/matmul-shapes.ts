// Shape rules shared by MatMulInteger and QLinearMatMul: numpy.matmul's batch broadcasting and
// 1-D promotion, and where each row's / column's quantization parameter lives. Not arithmetic.
import { fail, sizeOf } from '../core/index.js';
import { broadcastIndex, broadcastShapes } from './tensor.js';

/** How the operands of one numpy-style matmul line up. */
export interface MatMulPlan {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Batch dims of each operand (after 1-D promotion) and of the output. */
  readonly aBatchShape: readonly number[];
  readonly bBatchShape: readonly number[];
  /** For each output batch, the index of the A (resp. B) matrix it reads. */
  readonly aBatch: Int32Array;
  readonly bBatch: Int32Array;
  readonly outShape: readonly number[];
}

/**
 * numpy.matmul shape semantics (the ONNX MatMul family "behaves like numpy.matmul"):
 * a 1-D A is [1, K] and a 1-D B is [K, 1], the added dim dropped from the output; the
 * leading (batch) dims broadcast.
 */
export function planMatMul(aShape: readonly number[], bShape: readonly number[]): MatMulPlan {
  if (aShape.length === 0 || bShape.length === 0) {
    fail('bad-shape', 'matmul operands must have rank 1 or more');
  }
  const a = aShape.length === 1 ? [1, aShape[0] as number] : aShape;
  const b = bShape.length === 1 ? [bShape[0] as number, 1] : bShape;
  const m = a[a.length - 2] as number;
  const k = a[a.length - 1] as number;
  const kb = b[b.length - 2] as number;
  const n = b[b.length - 1] as number;
  if (k !== kb) {
    fail(
      'bad-shape',
      `matmul of [${aShape.join(', ')}] and [${bShape.join(', ')}]: inner dims ${k} != ${kb}`,
    );
  }
  const aBatchShape = a.slice(0, -2);
  const bBatchShape = b.slice(0, -2);
  const batchShape = broadcastShapes(aBatchShape, bBatchShape);
  const outShape = [...batchShape];
  if (aShape.length > 1) outShape.push(m);
  if (bShape.length > 1) outShape.push(n);
  return {
    m,
    k,
    n,
    aBatchShape,
    bBatchShape,
    aBatch: broadcastIndex(aBatchShape, batchShape),
    bBatch: broadcastIndex(bBatchShape, batchShape),
    outShape,
  };
}

/** Maps (operand batch index, row or column) to an index into a parameter tensor's data. */
export type ParamIndex = (batch: number, i: number) => number;

/**
 * Where the parameter (scale or zero point) of each row of A or column of B lives.
 * Per the MatMulInteger / QLinearMatMul specs a parameter is a scalar (one element, any rank),
 * a 1-D vector with one value per row of A (length M) or column of B (length N), or, for N-D
 * operands, shape [..., M, 1] (A) / [..., 1, N] (B) whose leading dims broadcast to the
 * operand's batch dims.
 */
export function paramIndex(
  paramShape: readonly number[],
  batchShape: readonly number[],
  count: number,
  along: 'row' | 'column',
  name: string,
): ParamIndex {
  const size = sizeOf(paramShape);
  if (size === 1) return () => 0;
  const rank = paramShape.length;
  if (rank === 1 && paramShape[0] === count) return (_batch, i) => i;
  const last = paramShape[rank - 1];
  const secondLast = paramShape[rank - 2];
  const fits =
    along === 'row' ? secondLast === count && last === 1 : secondLast === 1 && last === count;
  if (rank < 2 || !fits || rank - 2 > batchShape.length) {
    const want =
      along === 'row' ? `[${count}] or [..., ${count}, 1]` : `[${count}] or [..., 1, ${count}]`;
    fail('bad-shape', `${name} has shape [${paramShape.join(', ')}]; expected a scalar, ${want}`, {
      tensor: name,
    });
  }
  const lead = paramShape.slice(0, -2);
  // Broadcast the parameter's batch dims against the operand's, right-aligned.
  const map = broadcastIndex(lead, batchShape);
  return (batch, i) => (map[batch] as number) * count + i;
}

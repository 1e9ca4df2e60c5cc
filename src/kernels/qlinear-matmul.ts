// ONNX QLinearMatMul (opsets 10 and 21) as plain loops: integer matmul of zero-point-shifted
// operands, requantized in float bit for bit as the ONNX reference does (float32 or float16
// scales). Not the fixed-point path and not fast: this is the oracle.
import { QTYPES, fail } from '../core/index.js';
import { paramIndex, planMatMul, type ParamIndex } from './matmul-shapes.js';
import { requantizeMultiplier, requantizeValue } from './requantize.js';
import {
  checkSameType,
  checkShape,
  int8QType,
  scalarOf,
  scaleDtypeOf,
  type Int8Like,
  type IntTensor,
  type ScaleTensor,
} from './tensor.js';

interface OperandParams {
  readonly scale: (batch: number, i: number) => number;
  readonly zeroPoint: (batch: number, i: number) => number;
}

/** Scale and zero point of one operand: same element count, scalar or per row / column. */
function operandParams(
  operand: Int8Like,
  scale: ScaleTensor,
  zeroPoint: IntTensor<Int8Like>,
  batchShape: readonly number[],
  count: number,
  along: 'row' | 'column',
  name: string,
): OperandParams {
  checkShape(scale.data.length, scale.shape, `${name}_scale`);
  checkShape(zeroPoint.data.length, zeroPoint.shape, `${name}_zero_point`);
  checkSameType(operand, zeroPoint.data, `${name}_zero_point`);
  // Spec: "Scale and zero point must have same shape."
  if (scale.data.length !== zeroPoint.data.length) {
    fail('bad-shape', `${name}_scale and ${name}_zero_point must have the same shape`, {
      tensor: `${name}_scale`,
    });
  }
  const si: ParamIndex = paramIndex(scale.shape, batchShape, count, along, `${name}_scale`);
  const zi: ParamIndex = paramIndex(
    zeroPoint.shape,
    batchShape,
    count,
    along,
    `${name}_zero_point`,
  );
  return {
    scale: (batch, i) => scale.data[si(batch, i)] as number,
    zeroPoint: (batch, i) => zeroPoint.data[zi(batch, i)] as number,
  };
}

/**
 * QLinearMatMul: a: int8|uint8 [..., M, K], b: int8|uint8 [..., K, N], scales f32|f16 and zero
 * points scalar or per row of a ([M] / [..., M, 1]) and per column of b ([N] / [..., 1, N]),
 * y_scale and y_zero_point scalars -> y [..., M, N] of y_zero_point's type.
 */
export function qlinearMatMul(
  a: IntTensor<Int8Like>,
  aScale: ScaleTensor,
  aZeroPoint: IntTensor<Int8Like>,
  b: IntTensor<Int8Like>,
  bScale: ScaleTensor,
  bZeroPoint: IntTensor<Int8Like>,
  yScale: ScaleTensor,
  yZeroPoint: IntTensor<Int8Like>,
): IntTensor<Int8Like> {
  checkShape(a.data.length, a.shape, 'a');
  checkShape(b.data.length, b.shape, 'b');
  int8QType(a.data, 'a');
  int8QType(b.data, 'b');
  const dtype = scaleDtypeOf(aScale, 'a_scale');
  if (scaleDtypeOf(bScale, 'b_scale') !== dtype || scaleDtypeOf(yScale, 'y_scale') !== dtype) {
    fail('bad-argument', 'a_scale, b_scale and y_scale must share one dtype');
  }
  const plan = planMatMul(a.shape, b.shape);
  const { m: M, k: K, n: N } = plan;
  const pa = operandParams(a.data, aScale, aZeroPoint, plan.aBatchShape, M, 'row', 'a');
  const pb = operandParams(b.data, bScale, bZeroPoint, plan.bBatchShape, N, 'column', 'b');
  const ys = scalarOf(yScale, 'y_scale');
  const yzp = scalarOf(yZeroPoint, 'y_zero_point');
  const qtype = int8QType(yZeroPoint.data, 'y_zero_point');
  const { qmin, qmax } = QTYPES[qtype];

  const A = a.data;
  const B = b.data;
  const batches = plan.aBatch.length;
  const out = qtype === 'int8' ? new Int8Array(batches * M * N) : new Uint8Array(batches * M * N);
  for (let batch = 0; batch < batches; batch++) {
    const ia = plan.aBatch[batch] as number;
    const ib = plan.bBatch[batch] as number;
    for (let i = 0; i < M; i++) {
      const za = pa.zeroPoint(ia, i);
      for (let j = 0; j < N; j++) {
        const zb = pb.zeroPoint(ib, j);
        // Reference: C = matmul(int32(a) - a_zero_point, int32(b) - b_zero_point), in int32.
        let acc = 0;
        for (let p = 0; p < K; p++) {
          acc +=
            ((A[(ia * M + i) * K + p] as number) - za) * ((B[(ib * K + p) * N + j] as number) - zb);
        }
        // Reference: y = clip(rint(C * (a_scale * b_scale / y_scale) + y_zero_point)).
        const multiplier = requantizeMultiplier(pa.scale(ia, i), pb.scale(ib, j), ys, dtype);
        out[(batch * M + i) * N + j] = requantizeValue(acc | 0, multiplier, yzp, qmin, qmax);
      }
    }
  }
  return { data: out, shape: plan.outShape };
}

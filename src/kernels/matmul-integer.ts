// ONNX MatMulInteger (opset 10): int8/uint8 x int8/uint8 -> int32, in plain loops, the oracle
// faster paths are tested against. Two forms: the GEMM-library form (zero points folded in
// through row and column sums) and the naive (a - za)(b - zb) form. Not tiled, not SIMD.
import { paramIndex, planMatMul, type MatMulPlan, type ParamIndex } from './matmul-shapes.js';
import { checkSameType, checkShape, int8QType, type Int8Like, type IntTensor } from './tensor.js';

interface Prepared {
  readonly plan: MatMulPlan;
  readonly a: Int8Like;
  readonly b: Int8Like;
  /** Zero point of row m of A batch i, and of column n of B batch j (0 when absent). */
  readonly za: (batch: number, m: number) => number;
  readonly zb: (batch: number, n: number) => number;
}

function zeroPointOf(
  zp: IntTensor<Int8Like> | undefined,
  operand: Int8Like,
  batchShape: readonly number[],
  count: number,
  along: 'row' | 'column',
  name: string,
): (batch: number, i: number) => number {
  if (zp === undefined) return () => 0;
  checkShape(zp.data.length, zp.shape, name);
  checkSameType(operand, zp.data, name);
  const index: ParamIndex = paramIndex(zp.shape, batchShape, count, along, name);
  const data = zp.data;
  return (batch, i) => data[index(batch, i)] as number;
}

function prepare(
  a: IntTensor<Int8Like>,
  b: IntTensor<Int8Like>,
  aZeroPoint: IntTensor<Int8Like> | undefined,
  bZeroPoint: IntTensor<Int8Like> | undefined,
): Prepared {
  checkShape(a.data.length, a.shape, 'A');
  checkShape(b.data.length, b.shape, 'B');
  int8QType(a.data, 'A');
  int8QType(b.data, 'B');
  const plan = planMatMul(a.shape, b.shape);
  // Spec: a_zero_point is a scalar or per-row [M]; b_zero_point a scalar or per-column [N].
  const za = zeroPointOf(aZeroPoint, a.data, plan.aBatchShape, plan.m, 'row', 'a_zero_point');
  const zb = zeroPointOf(bZeroPoint, b.data, plan.bBatchShape, plan.n, 'column', 'b_zero_point');
  return { plan, a: a.data, b: b.data, za, zb };
}

/**
 * MatMulInteger as integer GEMM libraries compute it: a: int8|uint8 [..., M, K],
 * b: int8|uint8 [..., K, N], a_zero_point: scalar | [M], b_zero_point: scalar | [N]
 * -> int32 [..., M, N], with acc = sum(a*b) - zb*rowsum(A) - za*colsum(B) + K*za*zb.
 */
export function matMulInteger(
  a: IntTensor<Int8Like>,
  b: IntTensor<Int8Like>,
  aZeroPoint?: IntTensor<Int8Like>,
  bZeroPoint?: IntTensor<Int8Like>,
): IntTensor<Int32Array> {
  const { plan, a: A, b: B, za, zb } = prepare(a, b, aZeroPoint, bZeroPoint);
  const { m: M, k: K, n: N } = plan;
  const out = new Int32Array(plan.aBatch.length * M * N);
  const rowSum = new Float64Array(M);
  const colSum = new Float64Array(N);
  const zaRow = new Float64Array(M);
  const zbCol = new Float64Array(N);
  for (let batch = 0; batch < plan.aBatch.length; batch++) {
    const ia = plan.aBatch[batch] as number;
    const ib = plan.bBatch[batch] as number;
    const aOff = ia * M * K;
    const bOff = ib * K * N;
    for (let i = 0; i < M; i++) zaRow[i] = za(ia, i);
    for (let j = 0; j < N; j++) zbCol[j] = zb(ib, j);
    // A term is needed only where the other operand's zero point is nonzero.
    const needRowSum = zbCol.some((z) => z !== 0);
    const needColSum = zaRow.some((z) => z !== 0);
    for (let i = 0; i < M; i++) {
      let s = 0;
      if (needRowSum) for (let p = 0; p < K; p++) s += A[aOff + i * K + p] as number;
      rowSum[i] = s;
    }
    for (let j = 0; j < N; j++) {
      let s = 0;
      if (needColSum) for (let p = 0; p < K; p++) s += B[bOff + p * N + j] as number;
      colSum[j] = s;
    }
    const oOff = batch * M * N;
    for (let i = 0; i < M; i++) {
      const zai = zaRow[i] as number;
      for (let j = 0; j < N; j++) {
        const zbj = zbCol[j] as number;
        let dot = 0;
        for (let p = 0; p < K; p++) {
          dot += (A[aOff + i * K + p] as number) * (B[bOff + p * N + j] as number);
        }
        let acc = dot;
        if (zbj !== 0) acc -= zbj * (rowSum[i] as number);
        if (zai !== 0) acc -= zai * (colSum[j] as number);
        if (zai !== 0 && zbj !== 0) acc += K * zai * zbj;
        // Spec: "accumulation may overflow if and only if in 32 bits": wrap as int32 does.
        out[oOff + i * N + j] = acc | 0;
      }
    }
  }
  return { data: out, shape: plan.outShape };
}

/**
 * MatMulInteger by its definition, sum((a - za) * (b - zb)): the same shapes and dtypes as
 * matMulInteger, which it exists to check.
 */
export function matMulIntegerNaive(
  a: IntTensor<Int8Like>,
  b: IntTensor<Int8Like>,
  aZeroPoint?: IntTensor<Int8Like>,
  bZeroPoint?: IntTensor<Int8Like>,
): IntTensor<Int32Array> {
  const { plan, a: A, b: B, za, zb } = prepare(a, b, aZeroPoint, bZeroPoint);
  const { m: M, k: K, n: N } = plan;
  const out = new Int32Array(plan.aBatch.length * M * N);
  for (let batch = 0; batch < plan.aBatch.length; batch++) {
    const ia = plan.aBatch[batch] as number;
    const ib = plan.bBatch[batch] as number;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let p = 0; p < K; p++) {
          const av = (A[ia * M * K + i * K + p] as number) - za(ia, i);
          const bv = (B[ib * K * N + p * N + j] as number) - zb(ib, j);
          acc += av * bv;
        }
        out[batch * M * N + i * N + j] = acc | 0;
      }
    }
  }
  return { data: out, shape: plan.outShape };
}

// The executor's float matrix product, the reference loops every matmul and conv path uses:
// C[M, N] (+)= op(A) op(B) with op a transpose or not, loops ordered so the innermost runs over
// contiguous memory. Not batching or broadcasting (ops-matmul.ts) and not WebAssembly.

/** Where a matrix lives: a flat array and the offset of element [0, 0]. */
export interface MatrixRef {
  readonly data: Float32Array;
  readonly offset: number;
}

/**
 * c[M, N] = (accumulate ? c : 0) + op(a) op(b), with op(a) [M, K] (a stored [K, M] when
 * transA) and op(b) [K, N] (b stored [N, K] when transB); all f32 row-major.
 */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: MatrixRef,
  b: MatrixRef,
  c: MatrixRef,
  accumulate: boolean,
) => void;

/** The reference Gemm: plain loops, float32 or float64 arrays alike. */
export const gemm: Gemm = (transA, transB, m, n, k, a, b, c, accumulate) => {
  const A = a.data;
  const B = b.data;
  const C = c.data;
  const ao = a.offset;
  const bo = b.offset;
  const co = c.offset;
  if (!accumulate) C.fill(0, co, co + m * n);
  if (!transB) {
    // C row i += A[i, p] * B row p: the inner loop walks B and C rows contiguously.
    for (let i = 0; i < m; i++) {
      const crow = co + i * n;
      for (let p = 0; p < k; p++) {
        const av = A[transA ? ao + p * m + i : ao + i * k + p] as number;
        if (av === 0) continue;
        const brow = bo + p * n;
        for (let j = 0; j < n; j++)
          C[crow + j] = (C[crow + j] as number) + av * (B[brow + j] as number);
      }
    }
    return;
  }
  if (!transA) {
    // C[i, j] += dot(A row i, B row j): both rows contiguous.
    for (let i = 0; i < m; i++) {
      const arow = ao + i * k;
      const crow = co + i * n;
      for (let j = 0; j < n; j++) {
        const brow = bo + j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += (A[arow + p] as number) * (B[brow + p] as number);
        C[crow + j] = (C[crow + j] as number) + sum;
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++)
        sum += (A[ao + p * m + i] as number) * (B[bo + j * k + p] as number);
      C[co + i * n + j] = (C[co + i * n + j] as number) + sum;
    }
  }
};

// The executor's matrix product dispatcher: the WebAssembly SIMD sgemm (assembly/gemm.ts) for
// float32 products big enough to repay copying the operands into wasm memory (transposing them
// on the way), else the reference loops of gemm.ts. Float64 check runs always take the
// reference. Not the kernels themselves.
import { wasmKernels } from '../kernels/wasm/instance.js';
import { gemm, type Gemm, type MatrixRef } from './gemm.js';
import { isFloat32 } from './tensor.js';

/** Below this many multiply-adds the copies cost more than the SIMD saves. */
const MIN_WORK = 16384;

let fastEnabled = true;

/** Turns the wasm path off (tests compare it against the reference); returns the old setting. */
export function setFastGemm(on: boolean): boolean {
  const before = fastEnabled;
  fastEnabled = on;
  return before;
}

/** Copies op(src) [rows, cols] into dst row-major; src is stored [cols, rows] when `trans`. */
function pack(dst: Float32Array, src: MatrixRef, rows: number, cols: number, trans: boolean): void {
  const data = src.data;
  const o = src.offset;
  if (!trans) {
    dst.set(data.subarray(o, o + rows * cols));
    return;
  }
  for (let c = 0; c < cols; c++) {
    const from = o + c * rows;
    for (let r = 0; r < rows; r++) dst[r * cols + c] = data[from + r] as number;
  }
}

/** As gemm (same arguments and result), through WebAssembly SIMD where that pays. */
export const gemmFast: Gemm = (transA, transB, m, n, k, a, b, c, accumulate) => {
  const kernels = fastEnabled ? wasmKernels() : undefined;
  if (
    kernels === undefined ||
    m * n * k < MIN_WORK ||
    !isFloat32(c.data) ||
    !isFloat32(a.data) ||
    !isFloat32(b.data)
  ) {
    gemm(transA, transB, m, n, k, a, b, c, accumulate);
    return;
  }
  const [ap, bp, cp] = kernels.reserve([m * k * 4, k * n * 4, m * n * 4]) as [
    number,
    number,
    number,
  ];
  const buffer = kernels.buffer;
  pack(new Float32Array(buffer, ap, m * k), a, m, k, transA);
  pack(new Float32Array(buffer, bp, k * n), b, k, n, transB);
  const out = new Float32Array(buffer, cp, m * n);
  if (accumulate) out.set(c.data.subarray(c.offset, c.offset + m * n));
  kernels.exports.sgemm(m, n, k, ap, bp, cp, accumulate ? 1 : 0);
  c.data.set(out, c.offset);
};

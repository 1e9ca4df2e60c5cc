// MatMul (numpy semantics: 1-D operands promoted and the added axis dropped, batch axes
// broadcast) and Gemm (alpha, beta, transA, transB, C broadcast to [M, N]) with gradients;
// dA = dY B^T and dB = A^T dY, summed over the batch axes an operand was broadcast along.
// Not the loops themselves (gemm.ts).
import { sizeOf } from '../core/index.js';
import { attrFloat, attrInt } from '../onnx/index.js';
import { broadcastIndex, broadcastShapes, reduceTo } from './broadcast.js';
import type { DiffOp } from './diff-op.js';
import { gemmFast as gemm } from './gemm-fast.js';
import { allocFloat, floatInput, shapeError, tensor, type QTensor } from './tensor.js';

interface MatMulSaved {
  readonly a: QTensor;
  readonly b: QTensor;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch: number;
  readonly aIndex: Int32Array;
  readonly bIndex: Int32Array;
}

/** MatMul-13: y = a @ b with numpy broadcasting. */
export const matMulOp: DiffOp = {
  forward(inputs, node) {
    const a = floatInput(inputs, 0, node);
    const b = floatInput(inputs, 1, node);
    const aShape = a.shape.length === 1 ? [1, a.shape[0] as number] : a.shape;
    const bShape = b.shape.length === 1 ? [b.shape[0] as number, 1] : b.shape;
    const m = aShape[aShape.length - 2] as number;
    const k = aShape[aShape.length - 1] as number;
    const n = bShape[bShape.length - 1] as number;
    if (bShape[bShape.length - 2] !== k) {
      shapeError(node, `MatMul of [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    }
    const aBatch = aShape.slice(0, -2);
    const bBatch = bShape.slice(0, -2);
    const batchShape = broadcastShapes([aBatch, bBatch], node);
    const batch = sizeOf(batchShape);
    const aIndex = broadcastIndex(batchShape, aBatch);
    const bIndex = broadcastIndex(batchShape, bBatch);
    const y = allocFloat(batch * m * n);
    for (let i = 0; i < batch; i++) {
      gemm(
        false,
        false,
        m,
        n,
        k,
        { data: a.data, offset: (aIndex[i] as number) * m * k },
        { data: b.data, offset: (bIndex[i] as number) * k * n },
        { data: y, offset: i * m * n },
        false,
      );
    }
    const outShape = [...batchShape];
    if (a.shape.length > 1) outShape.push(m);
    if (b.shape.length > 1) outShape.push(n);
    const saved: MatMulSaved = { a, b, m, n, k, batch, aIndex, bIndex };
    return { outputs: [tensor(outShape, y)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [undefined, undefined];
    const { a, b, m, n, k, batch, aIndex, bIndex } = saved as MatMulSaved;
    const ga = needs[0] === true ? allocFloat(a.data.length) : undefined;
    const gb = needs[1] === true ? allocFloat(b.data.length) : undefined;
    for (let i = 0; i < batch; i++) {
      const gRef = { data: g.data, offset: i * m * n };
      const aOff = (aIndex[i] as number) * m * k;
      const bOff = (bIndex[i] as number) * k * n;
      // dA[m, k] += dY[m, n] B^T ; dB[k, n] += A^T dY.
      if (ga !== undefined)
        gemm(
          false,
          true,
          m,
          k,
          n,
          gRef,
          { data: b.data, offset: bOff },
          { data: ga, offset: aOff },
          true,
        );
      if (gb !== undefined)
        gemm(
          true,
          false,
          k,
          n,
          m,
          { data: a.data, offset: aOff },
          gRef,
          { data: gb, offset: bOff },
          true,
        );
    }
    return [
      ga === undefined ? undefined : tensor(a.shape, ga),
      gb === undefined ? undefined : tensor(b.shape, gb),
    ];
  },
};

interface GemmSaved {
  readonly a: QTensor;
  readonly b: QTensor;
  readonly c: QTensor | undefined;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Gemm-13: y = alpha op(A) op(B) + beta C. */
export const gemmOp: DiffOp = {
  forward(inputs, node) {
    const a = floatInput(inputs, 0, node);
    const b = floatInput(inputs, 1, node);
    const c = inputs[2] === undefined ? undefined : floatInput(inputs, 2, node);
    const transA = attrInt(node, 'transA', 0) !== 0;
    const transB = attrInt(node, 'transB', 0) !== 0;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const [a0, a1] = a.shape as [number, number];
    const [b0, b1] = b.shape as [number, number];
    const m = transA ? a1 : a0;
    const k = transA ? a0 : a1;
    const n = transB ? b0 : b1;
    if ((transB ? b1 : b0) !== k || a.shape.length !== 2 || b.shape.length !== 2) {
      shapeError(node, `Gemm of [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    }
    const y = allocFloat(m * n);
    gemm(
      transA,
      transB,
      m,
      n,
      k,
      { data: a.data, offset: 0 },
      { data: b.data, offset: 0 },
      { data: y, offset: 0 },
      false,
    );
    if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) * alpha;
    if (c !== undefined) {
      const index = broadcastIndex([m, n], c.shape);
      for (let i = 0; i < y.length; i++)
        y[i] = (y[i] as number) + beta * (c.data[index[i] as number] as number);
    }
    const saved: GemmSaved = { a, b, c, m, n, k };
    return { outputs: [tensor([m, n], y)], saved };
  },
  backward(gradOutputs, saved, node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [undefined, undefined, undefined];
    const { a, b, c, m, n, k } = saved as GemmSaved;
    const transA = attrInt(node, 'transA', 0) !== 0;
    const transB = attrInt(node, 'transB', 0) !== 0;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const gy = { data: g.data, offset: 0 };
    const aRef = { data: a.data, offset: 0 };
    const bRef = { data: b.data, offset: 0 };
    let ga: Float32Array | undefined;
    let gb: Float32Array | undefined;
    if (needs[0] === true) {
      ga = allocFloat(m * k);
      // op(A) = A: dA = dY op(B)^T [m, k]; op(A) = A^T: dA = op(B) dY^T [k, m].
      if (!transA) gemm(false, !transB, m, k, n, gy, bRef, { data: ga, offset: 0 }, false);
      else gemm(transB, true, k, m, n, bRef, gy, { data: ga, offset: 0 }, false);
      if (alpha !== 1) for (let i = 0; i < ga.length; i++) ga[i] = (ga[i] as number) * alpha;
    }
    if (needs[1] === true) {
      gb = allocFloat(k * n);
      // op(B) = B: dB = op(A)^T dY [k, n]; op(B) = B^T: dB = dY^T op(A) [n, k].
      if (!transB) gemm(!transA, false, k, n, m, aRef, gy, { data: gb, offset: 0 }, false);
      else gemm(true, transA, n, k, m, gy, aRef, { data: gb, offset: 0 }, false);
      if (alpha !== 1) for (let i = 0; i < gb.length; i++) gb[i] = (gb[i] as number) * alpha;
    }
    let gc: QTensor | undefined;
    if (needs[2] === true && c !== undefined) {
      const reduced = reduceTo(g.data, [m, n], c.shape);
      const scaled = allocFloat(reduced.length);
      for (let i = 0; i < scaled.length; i++) scaled[i] = (reduced[i] as number) * beta;
      gc = tensor(c.shape, scaled);
    }
    return [
      ga === undefined ? undefined : tensor(a.shape, ga),
      gb === undefined ? undefined : tensor(b.shape, gb),
      gc,
    ];
  },
};

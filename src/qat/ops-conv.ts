// Conv (Operators.md Conv-11: any spatial rank, group, dilations, pads or auto_pad, strides)
// with gradients for x, w and b. Grouped and dense convs go through im2col + gemm (1x1 stride-1
// unpadded ones read x in place); depthwise convs (one input and one output channel per group)
// run direct loops. Geometry comes from kernels/conv-geometry. Not ConvTranspose.
import { sizeOf } from '../core/index.js';
import { attrInt, attrInts, attrString } from '../onnx/index.js';
import {
  convGeometry,
  convTaps,
  type AutoPad,
  type ConvGeometry,
} from '../kernels/conv-geometry.js';
import { depthwiseBackwardFast, depthwiseForwardFast } from './depthwise-fast.js';
import type { DiffOp } from './diff-op.js';
import { type MatrixRef } from './gemm.js';
import { gemmFast as gemm } from './gemm-fast.js';
import { allocFloat, floatInput, tensor, type GraphNode, type QTensor } from './tensor.js';

/** A conv's geometry plus the tap table and the sizes every loop uses. */
export interface ConvPlan {
  readonly geometry: ConvGeometry;
  /** Flat input position read by output position p, tap q at p * taps + q; -1 in padding. */
  readonly table: Int32Array;
  readonly taps: number;
  readonly inSize: number;
  readonly outSize: number;
  /** Input and output channels per group. */
  readonly cg: number;
  readonly mg: number;
  /** 1x1, stride 1, no padding: x is its own im2col matrix. */
  readonly pointwise: boolean;
}

/** Resolves a Conv node's attributes against concrete x and w shapes. */
export function convPlan(
  node: GraphNode,
  xShape: readonly number[],
  wShape: readonly number[],
): ConvPlan {
  const geometry = convGeometry(xShape, wShape, {
    autoPad: attrString(node, 'auto_pad', 'NOTSET') as AutoPad,
    group: attrInt(node, 'group', 1),
    ...optional('dilations', attrInts(node, 'dilations')),
    ...optional('kernelShape', attrInts(node, 'kernel_shape')),
    ...optional('pads', attrInts(node, 'pads')),
    ...optional('strides', attrInts(node, 'strides')),
  });
  const taps = sizeOf(geometry.kernel);
  const inSize = sizeOf(geometry.inSpatial);
  const outSize = sizeOf(geometry.outSpatial);
  const pointwise =
    taps === 1 &&
    inSize === outSize &&
    geometry.pads.every((p) => p === 0) &&
    geometry.strides.every((s) => s === 1);
  return {
    geometry,
    table: convTaps(geometry),
    taps,
    inSize,
    outSize,
    cg: geometry.channels / geometry.group,
    mg: geometry.outChannels / geometry.group,
    pointwise,
  };
}

function optional<K extends string>(key: K, value: number[] | undefined): { [P in K]?: number[] } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number[] };
}

/** im2col of batch n, group g: col[c * taps + q, p] = x[n, g * cg + c, table[p, q]] or 0. */
export function im2col(
  plan: ConvPlan,
  x: Float32Array,
  n: number,
  g: number,
  col: Float32Array,
): void {
  const { table, taps, inSize, outSize, cg, geometry } = plan;
  for (let c = 0; c < cg; c++) {
    const xBase = (n * geometry.channels + g * cg + c) * inSize;
    for (let q = 0; q < taps; q++) {
      const row = (c * taps + q) * outSize;
      for (let p = 0; p < outSize; p++) {
        const at = table[p * taps + q] as number;
        col[row + p] = at < 0 ? 0 : (x[xBase + at] as number);
      }
    }
  }
}

/** The adjoint of im2col: adds col's entries back into dx at the positions they were read from. */
export function col2im(
  plan: ConvPlan,
  col: Float32Array,
  n: number,
  g: number,
  dx: Float32Array,
): void {
  const { table, taps, inSize, outSize, cg, geometry } = plan;
  for (let c = 0; c < cg; c++) {
    const xBase = (n * geometry.channels + g * cg + c) * inSize;
    for (let q = 0; q < taps; q++) {
      const row = (c * taps + q) * outSize;
      for (let p = 0; p < outSize; p++) {
        const at = table[p * taps + q] as number;
        if (at >= 0) dx[xBase + at] = (dx[xBase + at] as number) + (col[row + p] as number);
      }
    }
  }
}

/** The im2col matrix of (n, g): x itself for pointwise convs, else `scratch` filled. */
function colOf(
  plan: ConvPlan,
  x: Float32Array,
  n: number,
  g: number,
  scratch: Float32Array,
): MatrixRef {
  if (plan.pointwise)
    return { data: x, offset: (n * plan.geometry.channels + g * plan.cg) * plan.inSize };
  im2col(plan, x, n, g, scratch);
  return { data: scratch, offset: 0 };
}

/** y[N, M, P] = conv(x, w) + b, reference loops over im2col + gemm or direct depthwise. */
export function convForward(
  plan: ConvPlan,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | undefined,
): Float32Array {
  const { geometry, taps, outSize, cg, mg } = plan;
  const fast = cg === 1 && mg === 1 ? depthwiseForwardFast(geometry, x, w) : undefined;
  const y = fast ?? allocFloat(sizeOf(geometry.outShape));
  if (fast !== undefined) {
    // computed by the WebAssembly kernel
  } else if (cg === 1 && mg === 1) depthwiseForward(plan, x, w, y);
  else {
    const scratch = plan.pointwise ? allocFloat(0) : allocFloat(cg * taps * outSize);
    for (let n = 0; n < geometry.batch; n++) {
      for (let g = 0; g < geometry.group; g++) {
        const col = colOf(plan, x, n, g, scratch);
        const out = { data: y, offset: (n * geometry.outChannels + g * mg) * outSize };
        gemm(
          false,
          false,
          mg,
          outSize,
          cg * taps,
          { data: w, offset: g * mg * cg * taps },
          col,
          out,
          false,
        );
      }
    }
  }
  if (b !== undefined) {
    for (let n = 0; n < geometry.batch; n++) {
      for (let m = 0; m < geometry.outChannels; m++) {
        const base = (n * geometry.outChannels + m) * outSize;
        const bias = b[m] as number;
        for (let p = 0; p < outSize; p++) y[base + p] = (y[base + p] as number) + bias;
      }
    }
  }
  return y;
}

function depthwiseForward(plan: ConvPlan, x: Float32Array, w: Float32Array, y: Float32Array): void {
  const { geometry, table, taps, inSize, outSize } = plan;
  for (let n = 0; n < geometry.batch; n++) {
    for (let c = 0; c < geometry.channels; c++) {
      const xBase = (n * geometry.channels + c) * inSize;
      const yBase = (n * geometry.channels + c) * outSize;
      for (let p = 0; p < outSize; p++) {
        let sum = 0;
        for (let q = 0; q < taps; q++) {
          const at = table[p * taps + q] as number;
          if (at >= 0) sum += (w[c * taps + q] as number) * (x[xBase + at] as number);
        }
        y[yBase + p] = sum;
      }
    }
  }
}

/** Gradients of convForward: dx, dw, db for the ones asked for. */
export function convBackward(
  plan: ConvPlan,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  needs: readonly boolean[],
): [Float32Array | undefined, Float32Array | undefined, Float32Array | undefined] {
  const { geometry, table, taps, inSize, outSize, cg, mg } = plan;
  const dx =
    needs[0] === true ? allocFloat(geometry.batch * geometry.channels * inSize) : undefined;
  const dw = needs[1] === true ? allocFloat(w.length) : undefined;
  let db: Float32Array | undefined;
  if (needs[2] === true) {
    db = allocFloat(geometry.outChannels);
    for (let n = 0; n < geometry.batch; n++) {
      for (let m = 0; m < geometry.outChannels; m++) {
        const base = (n * geometry.outChannels + m) * outSize;
        let sum = 0;
        for (let p = 0; p < outSize; p++) sum += dy[base + p] as number;
        db[m] = (db[m] as number) + sum;
      }
    }
  }
  if (dx === undefined && dw === undefined) return [dx, dw, db];
  const fast =
    cg === 1 && mg === 1
      ? depthwiseBackwardFast(geometry, x, w, dy, dx !== undefined, dw !== undefined)
      : undefined;
  if (fast !== undefined) return [fast[0], fast[1], db];
  if (cg === 1 && mg === 1) {
    for (let n = 0; n < geometry.batch; n++) {
      for (let c = 0; c < geometry.channels; c++) {
        const xBase = (n * geometry.channels + c) * inSize;
        const yBase = (n * geometry.channels + c) * outSize;
        for (let p = 0; p < outSize; p++) {
          const g = dy[yBase + p] as number;
          if (g === 0) continue;
          for (let q = 0; q < taps; q++) {
            const at = table[p * taps + q] as number;
            if (at < 0) continue;
            if (dw !== undefined)
              dw[c * taps + q] = (dw[c * taps + q] as number) + g * (x[xBase + at] as number);
            if (dx !== undefined)
              dx[xBase + at] = (dx[xBase + at] as number) + g * (w[c * taps + q] as number);
          }
        }
      }
    }
    return [dx, dw, db];
  }
  const k = cg * taps;
  const scratch = allocFloat(plan.pointwise ? 0 : k * outSize);
  const dcol = dx === undefined ? undefined : allocFloat(k * outSize);
  for (let n = 0; n < geometry.batch; n++) {
    for (let g = 0; g < geometry.group; g++) {
      const dyRef = { data: dy, offset: (n * geometry.outChannels + g * mg) * outSize };
      const wRef = { data: w, offset: g * mg * k };
      if (dw !== undefined) {
        const col = colOf(plan, x, n, g, scratch);
        gemm(false, true, mg, k, outSize, dyRef, col, { data: dw, offset: g * mg * k }, true);
      }
      if (dx !== undefined && dcol !== undefined) {
        if (plan.pointwise) {
          const at = (n * geometry.channels + g * cg) * inSize;
          gemm(true, false, k, outSize, mg, wRef, dyRef, { data: dx, offset: at }, true);
        } else {
          gemm(true, false, k, outSize, mg, wRef, dyRef, { data: dcol, offset: 0 }, false);
          col2im(plan, dcol, n, g, dx);
        }
      }
    }
  }
  return [dx, dw, db];
}

interface Saved {
  readonly plan: ConvPlan;
  readonly x: QTensor;
  readonly w: QTensor;
}

/** Conv-11 with gradients for x, w and b. */
export const convOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const w = floatInput(inputs, 1, node);
    const b = inputs[2] === undefined ? undefined : floatInput(inputs, 2, node);
    const plan = convPlan(node, x.shape, w.shape);
    const y = convForward(plan, x.data, w.data, b?.data);
    const saved: Saved = { plan, x, w };
    return { outputs: [tensor(plan.geometry.outShape, y)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [undefined, undefined, undefined];
    const { plan, x, w } = saved as Saved;
    const [dx, dw, db] = convBackward(plan, x.data, w.data, g.data, needs);
    return [
      dx === undefined ? undefined : tensor(x.shape, dx),
      dw === undefined ? undefined : tensor(w.shape, dw),
      db === undefined ? undefined : tensor([plan.geometry.outChannels], db),
    ];
  },
};

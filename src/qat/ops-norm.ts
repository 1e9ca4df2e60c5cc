// Normalizations with gradients: BatchNormalization in inference form (running mean and
// variance; gradients for x, scale, bias, mean and var), LayerNormalization-17 over the axes
// from `axis` on, and Softmax (opset < 13: over the flattened axes from `axis`, default 1;
// opset >= 13: over one axis, default -1). Not reductions (ops-reduce.ts).
import { sizeOf } from '../core/index.js';
import { attrFloat, attrInt } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import { allocFloat, floatInput, resolveAxis, shapeError, tensor, type QTensor } from './tensor.js';

interface BatchNormSaved {
  readonly x: QTensor;
  readonly scale: Float32Array;
  readonly mean: Float32Array;
  readonly inv: Float64Array;
}

/** BatchNormalization-15, inference form: y = (x - mean) / sqrt(var + epsilon) scale + B. */
export const batchNormOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map(
      (i) => floatInput(inputs, i, node).data,
    ) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const channels = x.shape[1] ?? 1;
    const inner = sizeOf(x.shape.slice(2));
    const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
    const y = allocFloat(x.data.length);
    for (let base = 0, n = 0; base < x.data.length; n++) {
      const c = n % channels;
      const a = (scale[c] as number) * (inv[c] as number);
      const m = mean[c] as number;
      const b = bias[c] as number;
      for (let i = 0; i < inner; i++, base++) y[base] = ((x.data[base] as number) - m) * a + b;
    }
    const saved: BatchNormSaved = { x, scale, mean, inv };
    return { outputs: [tensor(x.shape, y)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [];
    const { x, scale, mean, inv } = saved as BatchNormSaved;
    const channels = x.shape[1] ?? 1;
    const inner = sizeOf(x.shape.slice(2));
    const dx = needs[0] === true ? allocFloat(x.data.length) : undefined;
    const sumG = new Float64Array(channels);
    const sumGX = new Float64Array(channels);
    for (let base = 0, n = 0; base < x.data.length; n++) {
      const c = n % channels;
      const a = (scale[c] as number) * (inv[c] as number);
      const m = mean[c] as number;
      let sg = 0;
      let sgx = 0;
      for (let i = 0; i < inner; i++, base++) {
        const gi = g.data[base] as number;
        sg += gi;
        sgx += gi * ((x.data[base] as number) - m);
        if (dx !== undefined) dx[base] = gi * a;
      }
      sumG[c] = (sumG[c] as number) + sg;
      sumGX[c] = (sumGX[c] as number) + sgx;
    }
    const perChannel = (f: (c: number) => number): QTensor => {
      const out = allocFloat(channels);
      for (let c = 0; c < channels; c++) out[c] = f(c);
      return tensor([channels], out);
    };
    const inv3 = (c: number): number => (inv[c] as number) ** 3;
    return [
      dx === undefined ? undefined : tensor(x.shape, dx),
      needs[1] === true ? perChannel((c) => (sumGX[c] as number) * (inv[c] as number)) : undefined,
      needs[2] === true ? perChannel((c) => sumG[c] as number) : undefined,
      needs[3] === true
        ? perChannel((c) => -(sumG[c] as number) * (scale[c] as number) * (inv[c] as number))
        : undefined,
      needs[4] === true
        ? perChannel((c) => -0.5 * (sumGX[c] as number) * (scale[c] as number) * inv3(c))
        : undefined,
    ];
  },
};

interface LayerNormSaved {
  readonly xhat: Float32Array;
  readonly inv: Float64Array;
  readonly scale: QTensor;
  readonly bias: QTensor | undefined;
  readonly shape: readonly number[];
  readonly width: number;
}

/** LayerNormalization-17: normalizes over the axes from `axis` (default -1) on; Y only. */
export const layerNormOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const scale = floatInput(inputs, 1, node);
    const bias = inputs[2] === undefined ? undefined : floatInput(inputs, 2, node);
    const axis = resolveAxis(attrInt(node, 'axis', -1), x.shape.length, node);
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const width = sizeOf(x.shape.slice(axis));
    for (const [label, t] of [
      ['Scale', scale],
      ['B', bias],
    ] as const) {
      // Read per position of the normalized axes or as one value; anything else would read
      // past the end (NaN) rather than broadcast.
      if (t !== undefined && t.data.length !== width && t.data.length !== 1)
        shapeError(node, `${label} of ${t.data.length} values for ${width} normalized values`);
    }
    const rows = x.data.length / width;
    const xhat = allocFloat(x.data.length);
    const y = allocFloat(x.data.length);
    const inv = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      let mean = 0;
      for (let i = 0; i < width; i++) mean += x.data[base + i] as number;
      mean /= width;
      let variance = 0;
      for (let i = 0; i < width; i++) variance += ((x.data[base + i] as number) - mean) ** 2;
      const s = 1 / Math.sqrt(variance / width + epsilon);
      inv[r] = s;
      for (let i = 0; i < width; i++) {
        const h = ((x.data[base + i] as number) - mean) * s;
        xhat[base + i] = h;
        const sc = scale.data[scale.data.length === 1 ? 0 : i] as number;
        const b = bias === undefined ? 0 : (bias.data[bias.data.length === 1 ? 0 : i] as number);
        y[base + i] = h * sc + b;
      }
    }
    const saved: LayerNormSaved = { xhat, inv, scale, bias, shape: x.shape, width };
    return { outputs: [tensor(x.shape, y)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [];
    const { xhat, inv, scale, bias, shape, width } = saved as LayerNormSaved;
    const rows = xhat.length / width;
    const dx = needs[0] === true ? allocFloat(xhat.length) : undefined;
    const dscale = allocFloat(width);
    const dbias = allocFloat(width);
    for (let r = 0; r < rows; r++) {
      const base = r * width;
      let sumD = 0;
      let sumDH = 0;
      for (let i = 0; i < width; i++) {
        const gi = g.data[base + i] as number;
        const h = xhat[base + i] as number;
        dscale[i] = (dscale[i] as number) + gi * h;
        dbias[i] = (dbias[i] as number) + gi;
        const d = gi * (scale.data[scale.data.length === 1 ? 0 : i] as number);
        sumD += d;
        sumDH += d * h;
      }
      if (dx === undefined) continue;
      const s = (inv[r] as number) / width;
      for (let i = 0; i < width; i++) {
        const d =
          (g.data[base + i] as number) * (scale.data[scale.data.length === 1 ? 0 : i] as number);
        dx[base + i] = s * (width * d - sumD - (xhat[base + i] as number) * sumDH);
      }
    }
    const collapse = (full: Float32Array, like: QTensor): QTensor => {
      if (like.data.length === full.length) return tensor(like.shape, full);
      let sum = 0;
      for (const v of full) sum += v;
      return tensor(like.shape, allocFloat(1).fill(sum));
    };
    return [
      dx === undefined ? undefined : tensor(shape, dx),
      needs[1] === true ? collapse(dscale, scale) : undefined,
      needs[2] === true && bias !== undefined ? collapse(dbias, bias) : undefined,
    ];
  },
};

interface SoftmaxSaved {
  readonly y: QTensor;
  readonly outer: number;
  readonly width: number;
  readonly inner: number;
}

/** Softmax-1/11 (2-D coercion at `axis`, default 1) and Softmax-13 (one axis, default -1). */
export const softmaxOp: DiffOp = {
  forward(inputs, node, context) {
    const x = floatInput(inputs, 0, node);
    const legacy = context.opset < 13;
    const axis = resolveAxis(attrInt(node, 'axis', legacy ? 1 : -1), x.shape.length, node);
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = legacy ? 1 : sizeOf(x.shape.slice(axis + 1));
    const width = x.data.length / outer / inner;
    const y = allocFloat(x.data.length);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * width * inner + j;
        let max = -Infinity;
        for (let i = 0; i < width; i++) max = Math.max(max, x.data[base + i * inner] as number);
        let sum = 0;
        for (let i = 0; i < width; i++) {
          const e = Math.exp((x.data[base + i * inner] as number) - max);
          y[base + i * inner] = e;
          sum += e;
        }
        for (let i = 0; i < width; i++) y[base + i * inner] = (y[base + i * inner] as number) / sum;
      }
    }
    const out = tensor(x.shape, y);
    const saved: SoftmaxSaved = { y: out, outer, width, inner };
    return { outputs: [out], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined || needs[0] !== true) return [undefined];
    const { y, outer, width, inner } = saved as SoftmaxSaved;
    const dx = allocFloat(y.data.length);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * width * inner + j;
        let dot = 0;
        for (let i = 0; i < width; i++)
          dot += (g.data[base + i * inner] as number) * (y.data[base + i * inner] as number);
        for (let i = 0; i < width; i++) {
          const at = base + i * inner;
          dx[at] = (y.data[at] as number) * ((g.data[at] as number) - dot);
        }
      }
    }
    return [tensor(y.shape, dx)];
  },
};

// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) in nearest and (multi)linear mode
// with the gradient for X, as one 1-D resampling per axis: each output coordinate reads
// (1 - w) x[i0] + w x[i1] along that axis (w = 0 for nearest), and the gradient is the
// transpose, applied axis by axis in reverse. Coordinate modes: half_pixel,
// pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn. Not cubic, not roi.
import { sizeOf } from '../core/index.js';
import { attrString } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import {
  allocFloat,
  floatInput,
  intsInput,
  isInt,
  shapeError,
  tensor,
  type GraphNode,
  type Value,
} from './tensor.js';

/** Per output coordinate along one axis: the two source indices and the weight of the second. */
interface AxisMap {
  readonly inSize: number;
  readonly outSize: number;
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w: Float64Array;
}

function originalCoordinate(
  mode: string,
  x: number,
  scale: number,
  inSize: number,
  outSize: number,
): number {
  switch (mode) {
    case 'asymmetric':
      return x / scale;
    case 'align_corners':
      return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
    case 'pytorch_half_pixel':
      return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    default:
      return (x + 0.5) / scale - 0.5; // half_pixel
  }
}

function nearestIndex(mode: string, x: number): number {
  if (mode === 'floor') return Math.floor(x);
  if (mode === 'ceil') return Math.ceil(x);
  if (mode === 'round_prefer_ceil') return Math.floor(x + 0.5);
  return Math.ceil(x - 0.5); // round_prefer_floor
}

function axisMap(node: GraphNode, inSize: number, outSize: number, scale: number): AxisMap {
  const mode = attrString(node, 'mode', 'nearest');
  const transform = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
  const nearest = attrString(node, 'nearest_mode', 'round_prefer_floor');
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const x = originalCoordinate(transform, o, scale, inSize, outSize);
    if (mode === 'nearest') {
      const at = Math.min(inSize - 1, Math.max(0, nearestIndex(nearest, x)));
      i0[o] = at;
      i1[o] = at;
      continue;
    }
    const clamped = Math.min(inSize - 1, Math.max(0, x));
    const lo = Math.floor(clamped);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    w[o] = clamped - lo;
  }
  return { inSize, outSize, i0, i1, w };
}

/** Resamples `data` of `shape` along `axis` (forward), or scatters back its transpose. */
function along(
  data: Float32Array,
  shape: readonly number[],
  axis: number,
  map: AxisMap,
  transpose: boolean,
): Float32Array {
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const [from, to] = transpose ? [map.outSize, map.inSize] : [map.inSize, map.outSize];
  const result = allocFloat(outer * to * inner);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < map.outSize; c++) {
      const a = (o * (transpose ? to : from) + (map.i0[c] as number)) * inner;
      const b = (o * (transpose ? to : from) + (map.i1[c] as number)) * inner;
      const y = (o * (transpose ? from : to) + c) * inner;
      const wb = map.w[c] as number;
      const wa = 1 - wb;
      for (let k = 0; k < inner; k++) {
        if (transpose) {
          const g = data[y + k] as number;
          result[a + k] = (result[a + k] as number) + wa * g;
          if (wb !== 0) result[b + k] = (result[b + k] as number) + wb * g;
        } else {
          result[y + k] =
            wa * (data[a + k] as number) + (wb === 0 ? 0 : wb * (data[b + k] as number));
        }
      }
    }
  }
  return result;
}

function floatsOf(value: Value | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const values = isInt(value) ? Array.from(value.ints) : Array.from(value.data);
  return values.length === 0 ? undefined : values;
}

/** Resize-10/11/13/18/19, nearest and linear. */
export const resizeOp: DiffOp = {
  forward(inputs, node, context) {
    const x = floatInput(inputs, 0, node);
    const mode = attrString(node, 'mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear')
      shapeError(node, `Resize mode '${mode}' is not supported`);
    const scalesGiven = floatsOf(inputs[context.opset >= 11 ? 2 : 1]);
    const sizes = context.opset >= 11 ? intsInput(inputs, 3, node) : undefined;
    const outShape = x.shape.map((d, i) => sizes?.[i] ?? Math.floor(d * (scalesGiven?.[i] ?? 1)));
    const maps: (AxisMap | undefined)[] = x.shape.map((d, i) => {
      const out = outShape[i] as number;
      const scale = scalesGiven?.[i] ?? out / d;
      return d === out && scale === 1 ? undefined : axisMap(node, d, out, scale);
    });
    let data = x.data;
    const shape = [...x.shape];
    maps.forEach((map, axis) => {
      if (map === undefined) return;
      data = along(data, shape, axis, map, false);
      shape[axis] = map.outSize;
    });
    return {
      outputs: [tensor(outShape, data === x.data ? data.slice() : data)],
      saved: { maps, outShape },
    };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined || needs[0] !== true) return needs.map(() => undefined);
    const { maps, outShape } = saved as { maps: (AxisMap | undefined)[]; outShape: number[] };
    let data = g.data;
    const shape = [...outShape];
    for (let axis = maps.length - 1; axis >= 0; axis--) {
      const map = maps[axis];
      if (map === undefined) continue;
      data = along(data, shape, axis, map, true);
      shape[axis] = map.inSize;
    }
    return [tensor(shape, data), ...needs.slice(1).map(() => undefined)];
  },
};

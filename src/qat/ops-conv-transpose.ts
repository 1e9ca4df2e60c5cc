// ConvTranspose-11 (2-D and N-D, group, strides, dilations, pads, output_padding) with
// gradients, as the adjoint of a Conv: ConvTranspose(x, W) is the data gradient of the conv
// that maps the output's space back onto x's, so forward = that conv's backward-data, dx = that
// conv's forward of dy, dW = its backward-weights. auto_pad and output_shape are not read.
import { sizeOf } from '../core/index.js';
import { attrInts } from '../onnx/index.js';
import type { DiffOp } from './diff-op.js';
import { convBackward, convForward, convPlan, type ConvPlan } from './ops-conv.js';
import { allocFloat, floatInput, shapeError, tensor, type QTensor } from './tensor.js';

interface Saved {
  readonly plan: ConvPlan;
  readonly x: QTensor;
  readonly w: QTensor;
  readonly yShape: readonly number[];
}

/** ConvTranspose-11: y [N, M, ...] from x [N, C, ...] and W [C, M / group, k...]. */
export const convTransposeOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const w = floatInput(inputs, 1, node);
    const b = inputs[2] === undefined ? undefined : floatInput(inputs, 2, node);
    const rank = x.shape.length - 2;
    const kernel = w.shape.slice(2);
    const strides = attrInts(node, 'strides') ?? kernel.map(() => 1);
    const dilations = attrInts(node, 'dilations') ?? kernel.map(() => 1);
    const pads = attrInts(node, 'pads') ?? new Array<number>(2 * rank).fill(0);
    const outputPadding = attrInts(node, 'output_padding') ?? kernel.map(() => 0);
    if (attrInts(node, 'output_shape') !== undefined)
      shapeError(node, 'output_shape is not supported');
    const group = Number(node.attribute.find((a) => a.name === 'group')?.i ?? 1n);
    const outChannels = (w.shape[1] as number) * group;
    const spatial = x.shape.slice(2).map((size, i) => {
      const span = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
      const end = (strides[i] as number) * (size - 1) + (outputPadding[i] as number) + span;
      return end - (pads[i] as number) - (pads[rank + i] as number);
    });
    const yShape = [x.shape[0] as number, outChannels, ...spatial];
    // The conv from y's space to x's: its weight [C, M/group, k...] is W itself.
    const plan = convPlan(node, yShape, w.shape);
    if (plan.geometry.outSpatial.join() !== x.shape.slice(2).join()) {
      shapeError(node, `ConvTranspose geometry does not invert to [${x.shape.join(', ')}]`);
    }
    const [y] = convBackward(plan, allocFloat(0), w.data, x.data, [true, false, false]);
    const out = y ?? allocFloat(0);
    if (b !== undefined) {
      const inner = sizeOf(spatial);
      for (let base = 0, c = 0; base < out.length; base += inner, c = (c + 1) % outChannels) {
        const bias = b.data[c] as number;
        for (let i = 0; i < inner; i++) out[base + i] = (out[base + i] as number) + bias;
      }
    }
    const saved: Saved = { plan, x, w, yShape };
    return { outputs: [tensor(yShape, out)], saved };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined) return [undefined, undefined, undefined];
    const { plan, x, w, yShape } = saved as Saved;
    const dx =
      needs[0] === true ? tensor(x.shape, convForward(plan, g.data, w.data, undefined)) : undefined;
    const dw =
      needs[1] === true
        ? tensor(
            w.shape,
            convBackward(plan, g.data, w.data, x.data, [false, true, false])[1] ?? allocFloat(0),
          )
        : undefined;
    let db: QTensor | undefined;
    if (needs[2] === true) {
      const channels = yShape[1] as number;
      const inner = sizeOf(yShape.slice(2));
      const sums = allocFloat(channels);
      for (let base = 0, c = 0; base < g.data.length; base += inner, c = (c + 1) % channels) {
        let s = 0;
        for (let i = 0; i < inner; i++) s += g.data[base + i] as number;
        sums[c] = (sums[c] as number) + s;
      }
      db = tensor([channels], sums);
    }
    return [dx, dw, db];
  },
};

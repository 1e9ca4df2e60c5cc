// Opset upgrade rule of Softmax, LogSoftmax and Hardmax, whose axis meaning changed in
// version 13. When the old axis is the last one the node only gets an explicit axis; otherwise
// it is wrapped in Flatten -> op -> Reshape, which is the old definition spelled out.
// Not a rank inference: it relies on the facts opset-upgrade-infer.ts could establish.
import { attr, attrInt, makeNode, setAttribute } from './graph-node.js';
import type { UpgradeRule } from './opset-upgrade-context.js';

// Softmax-13 (LogSoftmax-13, Hardmax-13): the op runs along `axis` (default -1). Before 13 it
// coerced the input to 2-D [prod(d0..d(axis-1)), prod(d(axis)..)] (axis default 1) and ran
// along the second dimension. The two agree exactly when axis is the last dimension.
/** The rule for Softmax, LogSoftmax and Hardmax. */
export const softmaxRule: UpgradeRule = {
  since: 13,
  change: 'axis made explicit, with Flatten/Reshape around the op unless it is the last axis',
  apply: (node, ctx) => {
    const axis = attrInt(node, 'axis', 1);
    const x = node.input[0] ?? '';
    const rank = ctx.facts.get(x).rank;
    const last = rank === undefined ? axis === -1 : axis === rank - 1 || axis === -1;
    if (last) {
      setAttribute(node, attr.int('axis', axis));
      return undefined;
    }
    const label = node.name || node.opType;
    ctx.note(`${label}: axis ${axis} is not known to be the last; wrapped in Flatten and Reshape`);
    const flat = ctx.name(`${x}_2d`);
    const shape = ctx.name(`${x}_shape`);
    const output = node.output[0] ?? '';
    const output2d = ctx.name(`${output}_2d`);
    const flatten = makeNode({
      opType: 'Flatten',
      name: ctx.name(`${label}_flatten`),
      inputs: [x],
      outputs: [flat],
      attributes: [attr.int('axis', axis)],
    });
    const shapeOf = makeNode({
      opType: 'Shape',
      name: ctx.name(`${label}_shape`),
      inputs: [x],
      outputs: [shape],
    });
    const reshape = makeNode({
      opType: 'Reshape',
      name: ctx.name(`${label}_reshape`),
      inputs: [output2d, shape],
      outputs: [output],
      // Reshape-14: allowzero=1 copies 0 from the shape literally, as empty inputs need.
      attributes: ctx.to >= 14 ? [attr.int('allowzero', 1)] : [],
    });
    node.input[0] = flat;
    node.output[0] = output2d;
    setAttribute(node, attr.int('axis', -1));
    return [flatten, shapeOf, node, reshape];
  },
};

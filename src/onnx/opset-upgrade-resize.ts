// Opset upgrade rules of the resampling ops: Upsample (deprecated in opset 10) becomes Resize,
// Resize-10's inputs gain the roi slot of Resize-11, and Resize-13's removal of the
// tf_half_pixel_for_nn coordinate mode is bridged by an equivalent half_pixel form.
// Not Resize-18/19's new attributes: their defaults keep the older behaviour.
import { clone } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import { AttributeProtoSchema, type NodeProto } from './gen/onnx_pb.js';
import {
  attr,
  attrString,
  makeNode,
  nodeLabel,
  removeAttribute,
  setAttribute,
} from './graph-node.js';
import type { UpgradeRule } from './opset-upgrade-context.js';

/** The attributes that give Resize the coordinate mapping of Upsample and Resize-10. */
function setAsymmetric(node: NodeProto, mode: string): void {
  setAttribute(node, attr.string('mode', mode));
  setAttribute(node, attr.string('coordinate_transformation_mode', 'asymmetric'));
  if (mode === 'nearest') setAttribute(node, attr.string('nearest_mode', 'floor'));
}

// Upsample-10 is deprecated; Upsample-7 (scales attribute) and Upsample-9 (scales input) map to
// Resize with output coordinate x / scale (asymmetric), nearest rounding down, as ONNX's
// version converter (upsample_9_10, resize_10_11) does.
const upsampleToResize: UpgradeRule = {
  since: 10,
  removed: true,
  change: 'becomes Resize with asymmetric coordinates',
  apply: (node, ctx) => {
    const scales = removeAttribute(node, 'scales');
    const mode = attrString(node, 'mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') {
      fail('unsupported-op', `Upsample node '${nodeLabel(node)}' has mode '${mode}'`, {
        node: nodeLabel(node),
      });
    }
    const scalesName =
      scales === undefined
        ? (node.input[1] ?? '')
        : ctx.float32s(`${node.name || 'Upsample'}_scales`, scales.floats);
    node.opType = 'Resize';
    node.input.splice(1, node.input.length - 1, '', scalesName);
    setAsymmetric(node, mode === 'nearest' ? 'nearest' : 'linear');
    return undefined;
  },
};

/** Rules for Upsample nodes. */
export const UPSAMPLE_RULES: readonly UpgradeRule[] = [upsampleToResize];

// Resize-11: inputs (X, scales) become (X, roi, scales, sizes) and the coordinate mapping is an
// attribute; Resize-10's mapping is "asymmetric" (ONNX's resize_10_11 adapter). Resize-10 leaves
// nearest rounding unsaid: the adapter picks floor, while ONNX Runtime's opset-10 kernel rounds
// down on upsampled axes and up on downsampled ones. With constant scales we match the runtime:
// floor, ceil, or, for mixed scales, a ceil Resize then a floor Resize (nearest is separable).
const resize11: UpgradeRule = {
  since: 11,
  change: 'roi input slot and asymmetric coordinate mode added',
  apply: (node, ctx) => {
    node.input.splice(1, 0, '');
    const mode = attrString(node, 'mode', 'nearest');
    setAsymmetric(node, mode);
    if (mode !== 'nearest') return undefined;
    const scales = ctx.facts.get(node.input[2] ?? '').values;
    const label = node.name || 'Resize';
    if (scales === undefined) {
      ctx.note(
        `${label}: scales not constant; nearest rounds down (ONNX Runtime's Resize-10 rounds up when downsampling)`,
      );
      return undefined;
    }
    if (!scales.some((s) => s < 1)) return undefined;
    setAttribute(node, attr.string('nearest_mode', 'ceil'));
    if (!scales.some((s) => s > 1)) return undefined;
    const down = makeNode({
      opType: 'Resize',
      name: ctx.name(`${label}_down`),
      inputs: [
        node.input[0] ?? '',
        '',
        ctx.float32s(
          `${label}_scales_down`,
          scales.map((s) => Math.min(s, 1)),
        ),
      ],
      outputs: [ctx.name(`${node.input[0] ?? ''}_down`)],
      attributes: node.attribute.map((a) => clone(AttributeProtoSchema, a)),
    });
    node.input[0] = down.output[0]!;
    node.input[2] = ctx.float32s(
      `${label}_scales_up`,
      scales.map((s) => Math.max(s, 1)),
    );
    setAttribute(node, attr.string('nearest_mode', 'floor'));
    return [down, node];
  },
};

// Resize-13 drops tf_half_pixel_for_nn, x_in = (x_out + 0.5) / scale. That is half_pixel's
// x_in + 0.5, so rounding it with round_prefer_floor equals ceil of half_pixel's x_in, and
// floor equals round_prefer_ceil. Float subtraction of 0.5 is exact here, so results match.
const HALF_PIXEL_ROUNDING = new Map([
  ['round_prefer_floor', 'ceil'],
  ['floor', 'round_prefer_ceil'],
]);

const resize13: UpgradeRule = {
  since: 13,
  change: 'tf_half_pixel_for_nn rewritten as half_pixel',
  apply: (node) => {
    if (attrString(node, 'coordinate_transformation_mode', '') !== 'tf_half_pixel_for_nn') {
      return undefined;
    }
    const mode = attrString(node, 'mode', 'nearest');
    const rounding = attrString(node, 'nearest_mode', 'round_prefer_floor');
    const equivalent = HALF_PIXEL_ROUNDING.get(rounding);
    if (mode !== 'nearest' || equivalent === undefined) {
      fail(
        'unsupported-op',
        `Resize node '${nodeLabel(node)}' uses tf_half_pixel_for_nn with mode '${mode}' and nearest_mode '${rounding}', which has no opset-13 equivalent`,
        { node: nodeLabel(node) },
      );
    }
    setAttribute(node, attr.string('coordinate_transformation_mode', 'half_pixel'));
    setAttribute(node, attr.string('nearest_mode', equivalent));
    return undefined;
  },
};

/** Rules for Resize nodes. */
export const RESIZE_RULES: readonly UpgradeRule[] = [resize11, resize13];

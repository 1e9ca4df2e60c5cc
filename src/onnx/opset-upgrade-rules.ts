// The opset upgrade rules, one Map literal from ONNX op type to the signature changes between
// opsets 7 and 23 that a rewrite must bridge (mostly attributes that became inputs). Each
// rule cites the operator version of ONNX's Changelog.md that introduced the change.
// Not ops whose later versions only add types or defaulted attributes: see opset-upgrade-ops.ts.
import { fail } from '../core/index.js';
import { TensorProto_DataType as T, type NodeProto } from './gen/onnx_pb.js';
import { attr, attrInt, nodeLabel, removeAttribute, setAttribute } from './graph-node.js';
import type { UpgradeRule } from './opset-upgrade-context.js';
import { RESIZE_RULES, UPSAMPLE_RULES } from './opset-upgrade-resize.js';
import { softmaxRule } from './opset-upgrade-softmax.js';

function unsupported(node: NodeProto, why: string): never {
  return fail('unsupported-op', `${node.opType} node '${nodeLabel(node)}': ${why}`, {
    node: nodeLabel(node),
  });
}

/** A rule that moves int list attributes to inputs, e.g. intsToInputs(13, 'axes') to input 1. */
function intsToInputs(since: number, ...attributes: string[]): UpgradeRule {
  return {
    since,
    change: `${attributes.join(', ')} attribute${attributes.length > 1 ? 's become inputs' : ' becomes an input'}`,
    apply: (node, ctx) => {
      attributes.forEach((attribute, i) => ctx.attributeToInput(node, attribute, i + 1));
      return undefined;
    },
  };
}

// Clip-11: min and max move from float attributes to optional inputs of the input's type.
const clip11: UpgradeRule = {
  since: 11,
  change: 'min and max attributes become inputs',
  apply: (node, ctx) => {
    const scalar = (key: string) => (a: { f: number }) =>
      ctx.scalar(`${node.name || 'Clip'}_${key}`, a.f, ctx.elemTypeOf(node));
    ctx.attributeToInput(node, 'min', 1, scalar('min'));
    ctx.attributeToInput(node, 'max', 2, scalar('max'));
    return undefined;
  },
};

// Pad-11: pads moves to input 1 (int64), value to input 2 (type of the data; 0 when absent).
const pad11: UpgradeRule = {
  since: 11,
  change: 'pads and value attributes become inputs',
  apply: (node, ctx) => {
    const value = removeAttribute(node, 'value');
    ctx.attributeToInput(node, 'pads', 1);
    if (value !== undefined && value.f !== 0) {
      node.input[2] = ctx.scalar(`${node.name || 'Pad'}_value`, value.f, ctx.elemTypeOf(node));
    }
    return undefined;
  },
};

// Dropout-12: ratio moves to input 1 (any float type). Dropout-10: mask becomes bool.
const dropout12: UpgradeRule = {
  since: 12,
  change: 'ratio attribute becomes input 1',
  apply: (node, ctx) => {
    if (ctx.from < 10 && ctx.isRead(node.output[1] ?? '')) {
      unsupported(node, 'its mask output is read, and the mask type changed in Dropout-10');
    }
    ctx.attributeToInput(node, 'ratio', 1, (a) =>
      ctx.scalar(`${node.name || 'Dropout'}_ratio`, a.f, T.FLOAT),
    );
    return undefined;
  },
};

// BatchNormalization-9: the spatial attribute is removed (spatial=1 is the only behaviour kept).
const batchNorm9: UpgradeRule = {
  since: 9,
  change: 'spatial attribute removed',
  apply: (node) => {
    if (attrInt(node, 'spatial', 1) !== 1) {
      unsupported(node, 'spatial=0 has no BatchNormalization-9 form');
    }
    removeAttribute(node, 'spatial');
    return undefined;
  },
};

// BatchNormalization-14: mean/var outputs exist only with training_mode=1; inference drops them.
const batchNorm14: UpgradeRule = {
  since: 14,
  change: 'optional training outputs dropped',
  apply: (node, ctx) => {
    if (node.output.slice(1).some((name) => ctx.isRead(name))) {
      unsupported(node, 'its training statistics outputs are read');
    }
    node.output.splice(1);
    return undefined;
  },
};

// Split-18: with neither a split input nor num_outputs, the output count must be given.
const split18: UpgradeRule = {
  since: 18,
  change: 'num_outputs set when split sizes are not given',
  apply: (node) => {
    if ((node.input[1] ?? '') === '' && attrInt(node, 'num_outputs', undefined) === undefined) {
      setAttribute(node, attr.int('num_outputs', node.output.length));
    }
    return undefined;
  },
};

// Scatter-11 is deprecated in favour of ScatterElements-11, which has the same signature.
const scatter11: UpgradeRule = {
  since: 11,
  removed: true,
  change: 'renamed ScatterElements',
  apply: (node) => {
    node.opType = 'ScatterElements';
    return undefined;
  },
};

// Scan-9 removed the batch axis and sequence_lens input of Scan-8; no rewrite is implemented.
const scan9: UpgradeRule = {
  since: 9,
  change: 'batch axis removed',
  apply: (node) => unsupported(node, 'Scan-8 has no rewrite to Scan-9'),
};

// TopK-10: k moves from an int attribute to input 1, a 1-element int64 tensor.
const topK10: UpgradeRule = {
  since: 10,
  change: 'k attribute becomes input 1',
  apply: (node, ctx) => {
    ctx.attributeToInput(node, 'k', 1, (a) =>
      ctx.int64s(`${node.name || 'TopK'}_k`, [Number(a.i)]),
    );
    return undefined;
  },
};

// ReduceSum-13 and the other Reduce* ops at version 18: axes moves to input 1.
const reduce18 = intsToInputs(18, 'axes');
const REDUCE_18 = [
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
] as const;

/** Signature changes by op type, in ascending `since` order. */
export const UPGRADE_RULES: ReadonlyMap<string, readonly UpgradeRule[]> = new Map<
  string,
  readonly UpgradeRule[]
>([
  ['BatchNormalization', [batchNorm9, batchNorm14]],
  ['Clip', [clip11]],
  ['Dropout', [dropout12]],
  ['Hardmax', [softmaxRule]],
  ['LogSoftmax', [softmaxRule]],
  ['Pad', [pad11]],
  ['ReduceSum', [intsToInputs(13, 'axes')]],
  ...REDUCE_18.map((op) => [op, [reduce18]] as const),
  ['Resize', RESIZE_RULES],
  ['Scan', [scan9]],
  ['Scatter', [scatter11]],
  // Slice-10: starts, ends and axes move to inputs 1, 2 and 3.
  ['Slice', [intsToInputs(10, 'starts', 'ends', 'axes')]],
  ['Softmax', [softmaxRule]],
  // Split-13: split moves to input 1.
  ['Split', [intsToInputs(13, 'split'), split18]],
  // Squeeze-13, Unsqueeze-13: axes moves to input 1.
  ['Squeeze', [intsToInputs(13, 'axes')]],
  ['TopK', [topK10]],
  ['Unsqueeze', [intsToInputs(13, 'axes')]],
  ['Upsample', UPSAMPLE_RULES],
]);

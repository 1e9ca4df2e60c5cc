// Pass: gives depthwise convs a channel count that is a multiple of `multiple` (16: the x86
// kernel's SIMD width; onnxruntime's QLinearConv depthwise with 200 channels measured 2.81x
// fp32, with 208 channels 1.97x). The new channels get zero weights and bias and flow through
// the channel region (channel-region.ts) to convs that read them with zero weights, so the model
// computes exactly what it did; a read by any other op gets a Slice back. Not a general padder.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attr, attrInt, makeNode, nodeLabel, setAttribute } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import {
  constantPad,
  findChannelRegion,
  isDepthwise,
  type ChannelRegion,
} from './channel-region.js';
import { dropIfUnused } from './conv-affine.js';
import { planQuantization } from './plan-quantization.js';
import type { PlanOptions } from './plan-types.js';

/** One depthwise conv the pass looked at. */
export interface ChannelPad {
  readonly node: string;
  readonly channels: number;
  /** The new channel count; absent when it was left alone. */
  readonly padded?: number;
  /** Reads that got a Slice back to `channels` (0: the padding folds away entirely). */
  readonly slices?: number;
  /** Why it was left alone. */
  readonly refused?: string;
}

/** What padDepthwiseChannels pads. */
export interface PadOptions {
  /** The channel multiple (default 16). */
  readonly multiple?: number;
  /** false: leave a conv alone rather than slice its padding back (default true). */
  readonly slice?: boolean;
  /** Pads only the depthwise convs this accepts (default: all). */
  readonly only?: (node: NodeProto) => boolean;
}

/** Pads every depthwise conv whose channels are not a multiple of `multiple` (default 16). */
export function padDepthwiseChannels(graph: Graph, options: PadOptions = {}): ChannelPad[] {
  const { multiple = 16, slice = true, only = () => true } = options;
  const report: ChannelPad[] = [];
  const done = new Set<NodeProto>();
  for (const node of [...graph.nodes]) {
    if (done.has(node) || !isDepthwise(graph, node) || !only(node)) continue;
    const channels = attrInt(node, 'group', 1);
    if (channels % multiple === 0) continue;
    const padded = Math.ceil(channels / multiple) * multiple;
    const region = findChannelRegion(graph, node);
    if ('refused' in region) {
      report.push({ node: nodeLabel(node), channels, refused: region.refused });
      continue;
    }
    if (!slice && region.sliced.length > 0) {
      const refused = `'${nodeLabel(region.sliced[0]!.node)}' would need a Slice`;
      report.push({ node: nodeLabel(node), channels, refused });
      continue;
    }
    for (const dw of region.depthwise) done.add(dw);
    applyRegion(graph, region, padded);
    for (const dw of region.depthwise) {
      report.push({ node: nodeLabel(dw), channels, padded, slices: region.sliced.length });
    }
  }
  return report;
}

/**
 * Pads the depthwise convs `options` would quantize (options.padChannels, default 16), only
 * where the padding folds away: a Slice's output would be a tensor calibration never saw.
 */
export function padQuantizedDepthwise(graph: Graph, options: PlanOptions): ChannelPad[] {
  if (options.padChannels === false || options.biasCorrection === true) return [];
  const quantized = new Set(
    planQuantization(graph, options)
      .nodes.filter((d) => d.status === 'quantized')
      .map((d) => d.node),
  );
  return padDepthwiseChannels(graph, {
    multiple: options.padChannels ?? 16,
    slice: false,
    only: (node) => quantized.has(node.output[0] ?? ''),
  });
}

function applyRegion(graph: Graph, region: ChannelRegion, padded: number): void {
  const { channels } = region;
  for (const conv of [...region.producers, ...region.depthwise]) {
    growConstant(graph, conv, 1, 0, padded, 0);
    if ((conv.input[2] ?? '') !== '') growConstant(graph, conv, 2, 0, padded, 0);
  }
  for (const conv of region.depthwise) setAttribute(conv, attr.int('group', padded));
  for (const conv of region.consumers) growConstant(graph, conv, 1, 1, padded, 0);
  for (const node of region.channelWise) {
    node.input.forEach((name, i) => {
      const value = name === '' ? undefined : graph.constantValue(name);
      if (value !== undefined && value.data.length === channels) {
        growConstant(graph, node, i, value.shape.length - 3, padded, constantPad(node.opType));
      }
    });
  }
  for (const use of region.sliced) sliceBack(graph, use, channels);
  // Recorded shapes of the grown tensors are stale; onnxruntime infers them again.
  const info = graph.proto.valueInfo;
  for (let i = info.length - 1; i >= 0; i--) {
    if (region.tensors.has(info[i]!.name)) info.splice(i, 1);
  }
}

/** Replaces input `index` of `node` by a copy grown along `axis` to `size`, new entries `fill`. */
function growConstant(
  graph: Graph,
  node: NodeProto,
  index: number,
  axis: number,
  size: number,
  fill: number,
): void {
  const old = node.input[index] ?? '';
  const value = graph.constantValue(old);
  if (value?.dtype !== 'float32') return;
  const shape = value.shape;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const from = shape[axis]!;
  const data = new Float32Array(outer * size * inner).fill(fill);
  for (let o = 0; o < outer; o++) {
    data.set(value.data.subarray(o * from * inner, (o + 1) * from * inner), o * size * inner);
  }
  const grown = shape.map((d, i) => (i === axis ? size : d));
  const name = graph.uniqueName(`${old}_padded`);
  graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape: grown, data }));
  graph.setInput(node, index, name);
  dropIfUnused(graph, old);
}

// Operators.md, Slice-13: starts, ends and axes are int64 inputs.
function sliceBack(graph: Graph, use: { node: NodeProto; index: number }, channels: number) {
  const from = use.node.input[use.index]!;
  const constant = (suffix: string, v: number) => {
    const name = graph.uniqueName(`${from}_${suffix}`);
    graph.addInitializer(tensorToProto({ name, dtype: 'int64', shape: [1], data: [v] }));
    return name;
  };
  const out = graph.uniqueName(`${from}_sliced`);
  const inputs = [from, constant('start', 0), constant('end', channels), constant('axis', 1)];
  graph.addNode(makeNode({ opType: 'Slice', name: graph.uniqueName(out), inputs, outputs: [out] }));
  graph.setInput(use.node, use.index, out);
}

// Bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias
// Correction", 2019, empirical form): rounding a Conv's weights shifts each output channel's
// mean by sum over its weights of (dq(q(w)) - w) x the mean of the input channel that weight
// reads. Subtracting that shift from the bias, before the bias is stored as int32, removes the
// systematic part of the weight error. It matters where inputs carry a large mean: a first
// layer on offset features (openWakeWord's mel input sits at 4..12), or depthwise convs with
// few weights per channel. Off by default (plan-types.ts says why). Not the calibration of
// the means (ptq/calibrate.ts).
import type { QParams } from '../core/index.js';
import { fakeQuantizeFast } from '../kernels/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrInt } from '../onnx/graph-node.js';

/** The activation whose per-channel mean a node's bias correction reads, and its channel axis. */
export interface ChannelMeanInput {
  /** The node, by its first output's name. */
  readonly node: string;
  readonly tensor: string;
  readonly axis: number;
}

/** Conv reads its input's channels on axis 1 (NCHW); other ops are not corrected. */
export function channelMeanInput(node: NodeProto, key: string): ChannelMeanInput | undefined {
  if (node.opType !== 'Conv' || (node.input[2] ?? '') === '') return undefined;
  return { node: key, tensor: node.input[0] ?? '', axis: 1 };
}

/**
 * The shift rounding adds to each output channel of a Conv whose weight `w` ([M, C/group, k...])
 * is stored with `params` (per output channel or per tensor), given the mean of each of the
 * input's C channels. Fails soft: returns undefined when the means do not fit the weight.
 */
export function weightRoundingShift(
  node: NodeProto,
  w: Float32Array,
  shape: readonly number[],
  params: QParams,
  means: ArrayLike<number>,
): Float64Array | undefined {
  const outChannels = shape[0] ?? 0;
  const groupInputs = shape[1] ?? 0;
  const group = attrInt(node, 'group', 1);
  if (outChannels === 0 || groupInputs * group !== means.length || outChannels % group !== 0) {
    return undefined;
  }
  const kernel = w.length / (outChannels * groupInputs);
  const perGroup = outChannels / group;
  const dq = fakeQuantizeFast(w, shape, params);
  const shift = new Float64Array(outChannels);
  for (let m = 0; m < outChannels; m++) {
    const first = Math.floor(m / perGroup) * groupInputs;
    let sum = 0;
    for (let i = 0; i < groupInputs; i++) {
      const base = (m * groupInputs + i) * kernel;
      let delta = 0;
      for (let k = 0; k < kernel; k++) delta += dq[base + k]! - w[base + k]!;
      sum += delta * means[first + i]!;
    }
    shift[m] = sum;
  }
  return shift;
}

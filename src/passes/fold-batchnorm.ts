// Pass: Conv/ConvTranspose followed by an inference-mode BatchNormalization with constant
// parameters becomes one conv with folded weights and bias, so quantized convs are not left
// feeding a float BatchNormalization that blocks integer fusion (PP-OCR's classifier has 35).
// Not training-mode BatchNormalization, and not a BatchNormalization after other ops.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrFloat, attrInt } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { floatConstant, foldAffineChains, type ChannelAffine, type Fold } from './conv-affine.js';

// Operators.md, BatchNormalization-15 (inference mode):
//   Y = (X - mean) / sqrt(var + epsilon) * scale + B = X * s + (B - mean * s),
// with s = scale / sqrt(var + epsilon); epsilon defaults to 1e-5.
/** Reads an inference BatchNormalization of `from` as a per-channel affine map. */
export function readBatchNorm(
  graph: Graph,
  node: NodeProto,
  from: string,
  channels: number,
): ChannelAffine | undefined {
  if (node.opType !== 'BatchNormalization' || !isDefaultDomain(node.domain)) return undefined;
  if (node.input[0] !== from || attrInt(node, 'training_mode', 0) !== 0) return undefined;
  if (attrInt(node, 'spatial', 1) !== 1) return undefined;
  const params = [1, 2, 3, 4].map((i) => floatConstant(graph, node.input[i] ?? ''));
  const [gamma, beta, mean, variance] = params;
  if (gamma === undefined || beta === undefined || mean === undefined || variance === undefined) {
    return undefined;
  }
  if (params.some((p) => p?.length !== channels)) return undefined;
  const epsilon = attrFloat(node, 'epsilon', 1e-5);
  const scale = Array.from(gamma, (g, c) => g / Math.sqrt(variance[c]! + epsilon));
  const shift = Array.from(beta, (b, c) => b - mean[c]! * scale[c]!);
  return { scale, shift };
}

/** Folds every BatchNormalization that directly follows a constant-weight conv into it. */
export function foldBatchNorm(graph: Graph): Fold[] {
  return foldAffineChains(graph, [readBatchNorm]);
}

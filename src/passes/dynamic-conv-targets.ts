// Which Conv nodes the dynamic Conv rewrites can take: a float32 constant weight (an
// initializer or a Constant node) and a bias that is absent or a float32 constant; the others
// stay float with a reason. Shared by dynamic-conv.ts (ConvInteger) and
// dynamic-conv-weights.ts (int8 weight -> DequantizeLinear). Not ConvTranspose.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import type { DecodedTensor } from '../onnx/tensor.js';
import type { SkippedNode } from './weight-only-targets.js';

type FloatTensor = Extract<DecodedTensor, { dtype: 'float32' }>;

/** A Conv of the main graph with a constant float32 weight [M, C/group, k...]. */
export interface ConvTarget {
  readonly node: NodeProto;
  /** The activation input X. */
  readonly x: string;
  /** The weight's name: an initializer or a Constant node's output. */
  readonly w: string;
  readonly weight: FloatTensor;
  /** The bias's name ('' when the Conv has none). */
  readonly b: string;
  readonly bias?: FloatTensor;
}

/** Every Conv of the main graph whose weight is a float32 constant, and the rest with reasons. */
export function findConvTargets(graph: Graph): { targets: ConvTarget[]; skipped: SkippedNode[] } {
  const targets: ConvTarget[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of graph.nodes) {
    if (node.opType !== 'Conv' || !isDefaultDomain(node.domain)) continue;
    const skip = (reason: string) =>
      skipped.push({ node: nodeLabel(node), opType: 'Conv', reason });
    const [x = '', w = '', b = ''] = node.input;
    const weight = graph.constantValue(w);
    if (weight === undefined) {
      skip('weight is not a constant');
      continue;
    }
    if (weight.dtype !== 'float32') {
      skip(`weight is ${weight.dtype}, not float32`);
      continue;
    }
    if (weight.shape.length < 3) {
      skip(`weight has rank ${weight.shape.length}; Conv's is [M, C/group, k...]`);
      continue;
    }
    const bias = b === '' ? undefined : graph.constantValue(b);
    if (b !== '' && bias === undefined) {
      skip('bias is not a constant');
      continue;
    }
    if (bias !== undefined && bias.dtype !== 'float32') {
      skip(`bias is ${bias.dtype}, not float32`);
      continue;
    }
    targets.push({ node, x, w, weight, b, ...(bias === undefined ? {} : { bias }) });
  }
  return { targets, skipped };
}

// Additive attention masks in a static plan: a tensor made from a constant of huge magnitude
// (-10000, -1e9, the float minimum or -inf, as PyTorch exports causal and padding masks) and
// everything computed from it up to an op with a bounded output (Softmax) must stay float, since
// one per-tensor uint8 range over [-10000, 10] leaves the attention scores a single level.
// Measured on the GPT of data/transformers: 72 % of fp32 next-character accuracy with the masked
// Add and Softmax quantized. Not the rest of planning (plan-quantization.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { opSpec } from '../onnx/op-specs.js';
import { floatConstant } from './conv-affine.js';
import type { Classified } from './plan-nodes.js';

/** Magnitude from which a constant reads as a mask value rather than a weight. */
const MASK_MAGNITUDE = 1e4;

function isMaskConstant(graph: Graph, name: string): boolean {
  const values = floatConstant(graph, name);
  if (values === undefined) return false;
  for (const v of values) if (!(Math.abs(v) < MASK_MAGNITUDE)) return true;
  return false;
}

/** The reason a node that reads an attention mask stays float. */
export const MASK_STAYS_FLOAT =
  'reads an additive attention mask (a constant of magnitude 1e4 or more): one uint8 range ' +
  'over the mask and the scores would leave the scores one level, so it stays float';

/**
 * The kernel nodes of `kinds` that read a mask (directly or through other ops, up to an op with
 * a bounded output such as Softmax), each to be kept float with MASK_STAYS_FLOAT.
 */
export function maskReaders(graph: Graph, kinds: ReadonlyMap<NodeProto, Classified>): NodeProto[] {
  const masked = new Set<string>();
  const readers: NodeProto[] = [];
  for (const node of graph.nodes) {
    const spec = opSpec(node);
    const weight = spec?.weight?.input;
    const source = node.input.some(
      (name, i) => i !== weight && name !== '' && isMaskConstant(graph, name),
    );
    const reads = node.input.some((name) => masked.has(name));
    if ((source || reads) && kinds.get(node)?.kind === 'kernel') readers.push(node);
    // A bounded op (Softmax) reads the masked range and stays float; its output is not a mask.
    if ((source || reads) && spec?.outputRange === undefined) {
      for (const o of node.output) if (o !== '') masked.add(o);
    }
  }
  return readers;
}

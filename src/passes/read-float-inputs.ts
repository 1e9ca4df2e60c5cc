// After QDQ insertion: excluded Conv/ConvTranspose/Gemm nodes read the float tensor instead of
// its DequantizeLinear. onnxruntime's WeightBiasQuantization (graph level 1) quantizes the
// float weight of such a node to per-tensor int8 whenever its input comes from a
// DequantizeLinear, so a layer the user keeps in float would run with a coarser weight than the
// quantized layer had. Not planning: it only rewires inputs of nodes the user excluded.
import type { Graph } from '../onnx/graph.js';

/** Ops whose float weights onnxruntime quantizes when their input is a DequantizeLinear. */
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/** Points excluded weighted nodes (by name or op type) at the float tensor; returns how many. */
export function readFloatInputs(graph: Graph, exclude: readonly string[]): number {
  let rewired = 0;
  for (const node of graph.nodes) {
    if (!WEIGHTED.has(node.opType)) continue;
    if (!exclude.includes(node.name) && !exclude.includes(node.opType)) continue;
    const dq = graph.producer(node.input[0] ?? '');
    if (dq?.opType !== 'DequantizeLinear') continue;
    const q = graph.producer(dq.input[0] ?? '');
    if (q?.opType !== 'QuantizeLinear') continue;
    graph.setInput(node, 0, q.input[0]!);
    rewired++;
  }
  return rewired;
}

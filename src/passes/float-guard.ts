// Pass on a QDQ graph (after insert-qdq): keeps an excluded node float in onnxruntime too. A
// node the exclude option keeps float still sits between a DequantizeLinear (its quantized
// producer's) and a QuantizeLinear (its quantized consumer's), and onnxruntime's QDQ rules fuse
// that group into the integer kernel all the same: the recognizer's excluded AveragePool ran as
// QLinearAveragePool, and an excluded Resize between 16-bit Q/DQ still became a uint16 Resize,
// which onnxruntime has no kernel for. Not the exclude option's planning (plan-nodes.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { opSpec } from '../onnx/op-specs.js';
import { listed } from './plan-nodes.js';

/** Whether `node` is one onnxruntime's QDQ rules could fuse: a DQ in, a Q reading its output. */
function fusable(graph: Graph, node: NodeProto): boolean {
  if (opSpec(node)?.kernel === undefined) return false;
  const out = node.output[0] ?? '';
  const dequantized = node.input.some((n) => graph.producer(n)?.opType === 'DequantizeLinear');
  const quantized = graph.consumers(out).some((c) => c.opType === 'QuantizeLinear');
  return dequantized && quantized && !graph.isGraphOutput(out);
}

/**
 * Gives every node named or typed in `exclude` that onnxruntime would otherwise fuse into an
 * integer kernel a second reader of its output: its Shape, which nothing reads. onnxruntime's
 * QDQ selectors take a node only when its output has a single reader. Returns the guarded
 * nodes, by label.
 */
export function guardExcluded(graph: Graph, exclude: readonly string[]): string[] {
  if (exclude.length === 0) return [];
  const done: string[] = [];
  for (const node of [...graph.nodes]) {
    if (!listed(node, exclude) || !fusable(graph, node)) continue;
    const out = node.output[0]!;
    const guard = graph.uniqueName(`${out}_float_guard`);
    graph.addNode(makeNode({ opType: 'Shape', inputs: [out], outputs: [guard], name: guard }));
    done.push(nodeLabel(node));
  }
  return done;
}

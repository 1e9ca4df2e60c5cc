// Pass: Constant nodes (value, value_float(s), value_int(s)) become initializers of the same
// name, so later passes and onnxruntime see weights where they expect them (PP-OCR's detector
// and classifier keep every weight in a Constant node). Sparse and string constants, and
// Constant nodes inside subgraph bodies, are left as they are. Not constant folding.
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';

/** What constantsToInitializers did. */
export interface ConstantsReport {
  /** Constant nodes turned into initializers. */
  readonly converted: number;
  /** Constant nodes left as they were (sparse or string values). */
  readonly kept: number;
}

/** Replaces each dense Constant node of the main graph by an initializer of its output's name. */
export function constantsToInitializers(graph: Graph): ConstantsReport {
  let converted = 0;
  let kept = 0;
  for (const node of [...graph.nodes]) {
    if (node.opType !== 'Constant' || !isDefaultDomain(node.domain)) continue;
    const name = node.output[0] ?? '';
    const tensor = name === '' ? undefined : graph.constant(name);
    if (tensor === undefined || graph.isGraphOutput(name)) {
      kept++;
      continue;
    }
    graph.removeNode(node);
    graph.addInitializer({ ...tensor, name });
    converted++;
  }
  return { converted, kept };
}

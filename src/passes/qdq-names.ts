// Names of what the QDQ rewrite adds, in one place: `x_q` (QuantizeLinear output, or a stored
// integer constant), `x_dq` (DequantizeLinear output), `x_scale`, `x_zp`. Short on purpose: a
// model has hundreds of each and every name is stored once per reference, so long suffixes
// cost real bytes (about 2% of the PP-OCR detector). QuantizeLinear and DequantizeLinear nodes
// are left unnamed; their output names identify them. Not unique by themselves: see uniqueName.
import type { Graph } from '../onnx/graph.js';

/** What an added value is. */
export type QdqRole = 'quantized' | 'dequantized' | 'scale' | 'zero point';

const SUFFIXES: Readonly<Record<QdqRole, string>> = {
  quantized: '_q',
  dequantized: '_dq',
  scale: '_scale',
  'zero point': '_zp',
};

/** A fresh name for `role` of `tensor`, reserved in `graph`. */
export function qdqName(graph: Graph, tensor: string, role: QdqRole): string {
  return graph.uniqueName(`${tensor}${SUFFIXES[role]}`);
}

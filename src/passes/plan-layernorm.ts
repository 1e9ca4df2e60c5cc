// A LayerNorm written out as ops (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul
// gamma, Add beta; PaddleOCR's SVTR exports it so) stays float in a static plan: onnxruntime
// fuses the chain into one LayerNormalization kernel only when no QDQ cuts it, while quantized
// eps/gamma/beta ops leave nine kernels of a few microseconds each. Measured on the PP-OCRv4
// recognizer's five: their nodes 0.20 -> 0.08 ms. Not LayerNormalization ops (already one kernel).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { floatConstant } from './conv-affine.js';

/** The reason a written-out LayerNorm's nodes stay float. */
export const LAYERNORM_STAYS_FLOAT =
  'in a LayerNorm written out as ops, which onnxruntime fuses into one kernel only in float';

/** The one node reading `tensor`, when exactly one does and it is of `opType`. */
function soleReader(graph: Graph, tensor: string, opType: string): NodeProto | undefined {
  const readers = graph.consumers(tensor);
  return readers.length === 1 && readers[0]!.opType === opType && !graph.isGraphOutput(tensor)
    ? readers[0]
    : undefined;
}

/** The producer of `tensor` when it is of `opType`. */
function made(graph: Graph, tensor: string | undefined, opType: string): NodeProto | undefined {
  const node = graph.producer(tensor ?? '');
  return node?.opType === opType && node.domain === '' ? node : undefined;
}

/** `node`'s input that is not a float constant, when the other one is. */
function withConstant(graph: Graph, node: NodeProto): string | undefined {
  const [a = '', b = ''] = node.input;
  if (floatConstant(graph, b) !== undefined) return a;
  return floatConstant(graph, a) !== undefined ? b : undefined;
}

/**
 * The nodes of every written-out LayerNorm, found from its Sqrt: x - mean(x) (Sub of a ReduceMean
 * of x) divided by sqrt(mean((x - mean)^2) + eps), times a constant, plus a constant.
 */
export function writtenOutLayerNorms(graph: Graph): NodeProto[] {
  const found: NodeProto[] = [];
  for (const sqrt of graph.nodes) {
    if (sqrt.opType !== 'Sqrt' || sqrt.domain !== '') continue;
    const eps = made(graph, sqrt.input[0], 'Add');
    const variance = eps && made(graph, withConstant(graph, eps), 'ReduceMean');
    const square = variance && made(graph, variance.input[0], 'Pow');
    const centred = square && made(graph, square.input[0], 'Sub');
    const mean = centred && made(graph, centred.input[1], 'ReduceMean');
    const div = soleReader(graph, sqrt.output[0] ?? '', 'Div');
    const gamma = div && soleReader(graph, div.output[0] ?? '', 'Mul');
    const beta = gamma && soleReader(graph, gamma.output[0] ?? '', 'Add');
    if (mean === undefined || centred === undefined || beta === undefined) continue;
    if (mean.input[0] !== centred.input[0] || div!.input[0] !== centred.output[0]) continue;
    if (withConstant(graph, gamma!) === undefined || withConstant(graph, beta) === undefined) {
      continue;
    }
    found.push(mean, centred, square!, variance!, eps!, sqrt, div!, gamma!, beta);
  }
  return found;
}

// Pass on a QDQ graph (after insert-qdq): a DequantizeLinear -> op -> QuantizeLinear group of
// equal per-tensor parameters around an op that only moves values (op-specs' kernel 'moved':
// DepthToSpace, SpaceToDepth) becomes the op on the 8-bit integers, the same values bit for
// bit. onnxruntime has no QDQ rule for these ops, so it would dequantize, move floats and
// quantize again; its CPU kernels take uint8 and int8, not 16-bit types.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { opSpec } from '../onnx/op-specs.js';
import { dropIfUnused } from './conv-affine.js';
import { sameParams } from './integer-upsample.js';

/** Whether `dq` dequantizes per tensor from 8 bits (no zero point input: uint8). */
function perTensor8Bit(graph: Graph, dq: NodeProto): boolean {
  if ((graph.constantValue(dq.input[1] ?? '')?.data.length ?? 0) !== 1) return false;
  const zeroPoint = dq.input[2] ?? '';
  if (zeroPoint === '') return true;
  const type = graph.constantValue(zeroPoint)?.dtype;
  return type === 'uint8' || type === 'int8';
}

/**
 * Moves every DQ -> DepthToSpace/SpaceToDepth -> Q of equal parameters onto the integers; the
 * QuantizeLinear's output keeps its name. Returns the ops moved, by name.
 */
export function moveOnIntegers(graph: Graph): string[] {
  const done: string[] = [];
  for (const node of [...graph.nodes]) {
    if (opSpec(node)?.kernel !== 'moved' || !isDefaultDomain(node.domain)) continue;
    const dq = graph.producer(node.input[0] ?? '');
    const out = node.output[0] ?? '';
    const readers = graph.consumers(out);
    const q = readers[0];
    if (dq?.opType !== 'DequantizeLinear' || !isDefaultDomain(dq.domain)) continue;
    if (readers.length !== 1 || q?.opType !== 'QuantizeLinear' || graph.isGraphOutput(out)) {
      continue;
    }
    if (!sameParams(graph, dq, q) || !perTensor8Bit(graph, dq)) continue;
    if (graph.isGraphOutput(dq.output[0] ?? '')) continue;
    const result = q.output[0]!;
    graph.removeNode(q);
    graph.removeNode(node);
    node.input[0] = dq.input[0]!;
    node.output[0] = result;
    graph.addNode(node);
    if (graph.consumers(dq.output[0]!).length === 0) {
      graph.removeNode(dq);
      for (const name of dq.input.slice(1)) dropIfUnused(graph, name);
    }
    for (const name of q.input.slice(1)) dropIfUnused(graph, name);
    done.push(nodeLabel(node));
  }
  return done;
}

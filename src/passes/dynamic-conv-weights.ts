// Pass: each Conv with a constant float32 weight reads it from int8 codes, symmetric per output
// channel (axis 0; grouped and depthwise Convs too), the Conv itself, its input and its bias
// staying float. Two encodings of the same codes and scales: a DequantizeLinear (axis 0, the
// standard QDQ weight, as the static mode stores it) or Cast -> Mul by scale [M, 1, ...], which
// onnxruntime constant-folds back to the float weight at load, so the Conv runs as fast as fp32
// (it leaves DequantizeLinear unfolded, keeping QDQ for fusion). Either is exact: the float Conv
// on the dequantized weights. Not ConvTranspose.
import { chooseTensorQParams } from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { attr, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import { findConvTargets, type ConvTarget } from './dynamic-conv-targets.js';
import type { DynamicEntry } from './dynamic-matmul.js';
import { addFloats } from './dynamic-steps.js';
import { storeDequantized } from './insert-constants.js';
import { qdqName } from './qdq-names.js';
import { checkFinite } from './weight-only-blocks.js';
import { dropIfUnused, type SkippedNode } from './weight-only-targets.js';

/** How the int8 weight reaches the float Conv. */
export type ConvWeightEncoding = 'dequantize' | 'cast-mul';

/** The form the report names for each encoding. */
export const CONV_WEIGHT_FORMS: Readonly<Record<ConvWeightEncoding, string>> = {
  dequantize: 'int8 weight -> DequantizeLinear -> Conv',
  'cast-mul': 'int8 weight -> Cast -> Mul -> Conv',
};

/** w: f32 [M, ...] -> int8 codes (narrow range, zero point 0) and scale f32 [M]. */
function quantizeWeight(target: ConvTarget) {
  const { data, shape } = target.weight;
  checkFinite(data, target.w);
  const params = chooseTensorQParams(
    data,
    shape,
    { qtype: 'int8', scheme: 'symmetric' },
    { kind: 'per-axis', axis: 0 },
  );
  return { codes: quantizeFast(data, shape, params), params, shape };
}

/** Adds the int8 weight of `target` in `encoding` and returns the float weight's new name. */
function storeConvWeight(graph: Graph, target: ConvTarget, encoding: ConvWeightEncoding): string {
  const { codes, params, shape } = quantizeWeight(target);
  if (encoding === 'dequantize') {
    const { scale, zeroPoint } = params;
    const stored = { dtype: 'int8', shape, data: codes, scale, zeroPoint, axis: 0 } as const;
    return storeDequantized(graph, target.w, stored);
  }
  const quantized = qdqName(graph, target.w, 'quantized');
  graph.addInitializer(tensorToProto({ name: quantized, dtype: 'int8', shape, data: codes }));
  // [M, 1, 1, ...]: broadcasts over the weight [M, C/group, k...].
  const scale = addFloats(
    graph,
    `${target.w}_scale`,
    shape.map((d, i) => (i === 0 ? d : 1)),
    params.scale,
  );
  const cast = graph.uniqueName(`${target.w}_float`);
  const output = qdqName(graph, target.w, 'dequantized');
  graph.addNode(
    makeNode({
      opType: 'Cast',
      inputs: [quantized],
      outputs: [cast],
      attributes: [attr.int('to', T.FLOAT)],
    }),
  );
  graph.addNode(makeNode({ opType: 'Mul', inputs: [cast, scale], outputs: [output] }));
  return output;
}

/** Stores the weight of every Conv with a float32 constant weight as per-channel int8. */
export function quantizeConvWeights(
  graph: Graph,
  encoding: ConvWeightEncoding,
): { done: DynamicEntry[]; skipped: SkippedNode[] } {
  const { targets, skipped } = findConvTargets(graph);
  const stored = new Map<string, string>();
  const done: DynamicEntry[] = [];
  for (const target of targets) {
    const { node, w } = target;
    let output = stored.get(w);
    if (output === undefined) {
      output = storeConvWeight(graph, target, encoding);
      stored.set(w, output);
    }
    graph.setInput(node, 1, output);
    dropIfUnused(graph, w);
    done.push({
      node: nodeLabel(node),
      opType: 'Conv',
      form: CONV_WEIGHT_FORMS[encoding],
      weight: w,
    });
  }
  return { done, skipped };
}

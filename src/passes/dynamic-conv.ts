// Pass: Conv with a constant weight becomes DynamicQuantizeLinear(X) -> ConvInteger(X uint8,
// W uint8) -> Cast -> Mul by x_scale x w_scale[M] (+ bias in float). Weights are uint8 because
// onnxruntime's ConvInteger is fast only for uint8 x uint8; per output channel they share the
// zero point 128 (ConvInteger takes one w_zero_point) and keep their own scale, applied after.
// Not the default: measured slower than float Conv (bench/dynamic.ts). Not ConvTranspose.
import { chooseTensorQParams } from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import { makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import { findConvTargets } from './dynamic-conv-targets.js';
import type { DynamicEntry } from './dynamic-matmul.js';
import { addFloats, dynamicInput, rescale, type DynamicCache } from './dynamic-steps.js';
import { checkFinite } from './weight-only-blocks.js';
import { dropIfUnused, type SkippedNode } from './weight-only-targets.js';

/** Rewrites every Conv of the main graph with a constant float32 weight (and bias) to ConvInteger. */
export function dynamicConv(
  graph: Graph,
  cache: DynamicCache,
): { done: DynamicEntry[]; skipped: SkippedNode[] } {
  const done: DynamicEntry[] = [];
  const { targets, skipped } = findConvTargets(graph);
  for (const { node, x, w, weight, b, bias } of targets) {
    checkFinite(weight.data, w);
    const { shape } = weight;
    const params = chooseTensorQParams(
      weight.data,
      shape,
      { qtype: 'uint8', scheme: 'symmetric' },
      { kind: 'per-axis', axis: 0 },
    );
    const quantized = graph.uniqueName(`${w}_quantized`);
    const codes = quantizeFast(weight.data, shape, params);
    graph.addInitializer(tensorToProto({ name: quantized, dtype: 'uint8', shape, data: codes }));
    const zeroPoint = graph.uniqueName(`${w}_zero_point`);
    graph.addInitializer(
      tensorToProto({ name: zeroPoint, dtype: 'uint8', shape: [], data: [128] }),
    );
    // [1, M, 1, ...]: broadcasts over the output [N, M, spatial...].
    const channelShape = shape.map((d, i) => (i === 1 ? (shape[0] ?? 1) : 1));
    const scale = addFloats(graph, `${w}_scale`, channelShape, params.scale);
    const a = dynamicInput(graph, cache, x);
    const output = node.output[0] ?? '';
    graph.removeNode(node);
    const accumulator = graph.uniqueName(`${output}_int32`);
    graph.addNode(
      makeNode({
        opType: 'ConvInteger',
        name: graph.uniqueName(`${nodeLabel(node)}_ConvInteger`),
        inputs: [a.quantized, quantized, a.zeroPoint, zeroPoint],
        outputs: [accumulator],
        // ConvInteger-10 has Conv's attributes: auto_pad, dilations, group, kernel_shape, pads, strides.
        attributes: node.attribute,
      }),
    );
    const scaled = bias === undefined ? output : graph.uniqueName(`${output}_scaled`);
    rescale(graph, accumulator, a.scale, scale, scaled);
    if (bias !== undefined) {
      const biasName = addFloats(
        graph,
        `${b}_channels`,
        channelShape,
        Float32Array.from(bias.data),
      );
      const name = graph.uniqueName(`${output}_bias_Add`);
      graph.addNode(
        makeNode({ opType: 'Add', name, inputs: [scaled, biasName], outputs: [output] }),
      );
    }
    for (const name of [w, b]) dropIfUnused(graph, name);
    done.push({ node: nodeLabel(node), opType: 'Conv', form: 'ConvInteger', weight: w });
  }
  return { done, skipped };
}

// Which nodes and input slots of a float32 graph stay float32 when the graph becomes float16
// (float16-narrow.ts): ops ONNX defines for float32 only, the int32 accumulators of the dynamic
// recipe and their rescaling Muls (they pass 65504), int32 biases' DequantizeLinear (its scale,
// input scale x weight scale, is subnormal in float16), ops whose output type an attribute sets,
// and slots ONNX types tensor(float) whatever T is. Data, not a rewrite; no numeric checks here.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { FLOAT16_MAX } from './float16-values.js';

/** Op types kept float32, with the reason the report gives. */
const FLOAT32_OPS: ReadonlyMap<string, string> = new Map([
  ['DynamicQuantizeLinear', 'DynamicQuantizeLinear-11 takes float32 only'],
  ['RandomNormal', 'its output type is an attribute'],
  ['RandomUniform', 'its output type is an attribute'],
  ['RandomNormalLike', 'its output type is an attribute'],
  ['RandomUniformLike', 'its output type is an attribute'],
  ['EyeLike', 'its output type is an attribute'],
  ['Multinomial', 'its output type is an attribute'],
  ['Bernoulli', 'its output type is an attribute'],
]);

/** Input slots ONNX types tensor(float) whatever the op's T: Resize's and Upsample's scales. */
const FLOAT32_SLOTS: ReadonlyMap<string, readonly number[]> = new Map([
  ['Resize', [2]],
  ['Upsample', [1]],
]);

const INTEGER_PRODUCTS = new Set(['MatMulInteger', 'ConvInteger']);

/** True when `name` is a float32 constant holding a finite value beyond float16's range. */
function beyondFloat16(graph: Graph, name: string, seen: Map<string, boolean>): boolean {
  const known = seen.get(name);
  if (known !== undefined) return known;
  const proto = name === '' ? undefined : graph.constant(name);
  const value = proto?.dataType === (T.FLOAT as number) ? graph.constantValue(name) : undefined;
  const beyond =
    value?.dtype === 'float32' &&
    value.data.some((v) => Math.abs(v) > FLOAT16_MAX && Math.abs(v) !== Infinity);
  seen.set(name, beyond);
  return beyond;
}

/** True when `name` is an 8-bit integer initializer (a quantized weight). */
function isIntegerConstant(graph: Graph, name: string): boolean {
  const type = graph.initializer(name)?.dataType;
  return type === (T.INT8 as number) || type === (T.UINT8 as number);
}

/** A node kept float32 and why. */
export interface KeptNode {
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

/** True when input `index` of `node` must be float32 whatever the graph's float type. */
export function isFloat32Slot(node: NodeProto, index: number): boolean {
  const domain = node.domain === '' || node.domain === 'ai.onnx';
  return domain && (FLOAT32_SLOTS.get(node.opType)?.includes(index) ?? false);
}

/**
 * The nodes of `graph` that stay float32, with reasons; `types` are the element types
 * (inferElementTypes) and `keepOps` op types or node names the caller adds. Nodes reading a
 * constant beyond float16's range stay float32 unless `clampBeyond` (the constant is clamped);
 * `keepNode` keeps the nodes it gives a reason for.
 */
export function float32Nodes(
  graph: Graph,
  types: ReadonlyMap<string, number>,
  keepOps: readonly string[] = [],
  clampBeyond = false,
  keepNode: (node: NodeProto) => string | undefined = () => undefined,
): Map<NodeProto, KeptNode> {
  const kept = new Map<NodeProto, KeptNode>();
  const keep = (node: NodeProto, reason: string) =>
    kept.set(node, { node: nodeLabel(node), opType: node.opType, reason });
  const produced = (name: string) => graph.producer(name);
  // dynamic-steps.ts's rescale: Cast(int32) and DynamicQuantizeLinear's scale feed Muls.
  const chain = new Set<NodeProto>();
  const seen = new Map<string, boolean>();
  for (const node of graph.nodes) {
    const reason = FLOAT32_OPS.get(node.opType);
    const asked = keepNode(node);
    if (keepOps.includes(node.opType) || keepOps.includes(node.name)) {
      keep(node, 'asked for');
    } else if (asked !== undefined) {
      keep(node, asked);
    } else if (reason !== undefined) {
      keep(node, reason);
      if (node.opType === 'DynamicQuantizeLinear') chain.add(node);
    } else if (
      node.opType === 'Cast' &&
      INTEGER_PRODUCTS.has(produced(node.input[0] ?? '')?.opType ?? '')
    ) {
      keep(node, 'an int32 accumulator can pass 65504, float16 largest value');
      chain.add(node);
    } else if (node.opType === 'Cast' && isIntegerConstant(graph, node.input[0] ?? '')) {
      // dynamic-conv-weights.ts's cast-mul: onnxruntime has no float16 Mul kernel to fold it.
      keep(node, 'dequantizes a weight: onnxruntime folds the Cast -> Mul in float32 only');
      chain.add(node);
    } else if (
      node.opType === 'Mul' &&
      node.input.some((name) => {
        const p = produced(name);
        return p !== undefined && chain.has(p);
      })
    ) {
      keep(node, 'rescales an int32 accumulator or a dynamic scale');
      chain.add(node);
    } else if (!clampBeyond && node.input.some((name) => beyondFloat16(graph, name, seen))) {
      keep(node, 'reads a constant with values beyond 65504, float16 largest value');
    } else if (node.opType === 'DequantizeLinear' && types.get(node.input[0] ?? '') === T.INT32) {
      keep(node, 'an int32 bias scale (input x weight scale) is subnormal in float16');
    }
  }
  return kept;
}

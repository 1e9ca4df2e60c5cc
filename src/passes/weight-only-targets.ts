// Which MatMul and Gemm nodes have a constant 2-D float32 weight that weight-only and dynamic
// quantization can take (an initializer, a Constant node, or either behind a Transpose), and
// why the others are left alone; plus the weight as a float [N, K] matrix and the clean-up of
// constants nobody reads any more, and the Gemm -> product + beta * C split both rewrites share.
// Not the rewrites themselves.
import { fail } from '../core/index.js';
import { DTYPES } from '../onnx/dtypes.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attrFloat, attrInt, attrInts, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { transpose } from './weight-only-blocks.js';

/** A MatMul or Gemm whose weight (input 1) is a constant matrix. */
export interface WeightTarget {
  readonly node: NodeProto;
  readonly activation: string;
  /** Name of the constant: an initializer, or a Constant node's output. */
  readonly weight: string;
  /** How the constant is stored: [K, N] (MatMul, Gemm transB=0) or [N, K]. */
  readonly layout: 'KN' | 'NK';
  readonly k: number;
  readonly n: number;
  /** Gemm's alpha (1 for MatMul), folded into the weight. */
  readonly alpha: number;
  /** Gemm's C and beta. */
  readonly bias?: { readonly name: string; readonly beta: number };
  /** The Transpose between the constant and the node, when the weight goes through one. */
  readonly transpose?: NodeProto;
}

/** A MatMul or Gemm left in float, and why. */
export interface SkippedNode {
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

const FLOAT = DTYPES.float32.onnx;

function float2d(graph: Graph, name: string): readonly number[] | undefined {
  const tensor = graph.constant(name);
  if (tensor === undefined || tensor.dataType !== FLOAT || tensor.dims.length !== 2) {
    return undefined;
  }
  return tensor.dims.map(Number);
}

/** The weight of `node` as [constant, layout, Transpose], or why it is not one. */
function weightOf(
  graph: Graph,
  node: NodeProto,
  transB: boolean,
): { weight: string; layout: 'KN' | 'NK'; transpose?: NodeProto } | string {
  const input = node.input[1] ?? '';
  const direct = graph.constant(input);
  const producer = graph.producer(input);
  if (direct === undefined && producer?.opType === 'Transpose' && !graph.isGraphOutput(input)) {
    const perm = attrInts(producer, 'perm');
    const inner = producer.input[0] ?? '';
    if ((perm === undefined || (perm[0] === 1 && perm[1] === 0)) && float2d(graph, inner)) {
      return { weight: inner, layout: transB ? 'KN' : 'NK', transpose: producer };
    }
  }
  if (direct === undefined) return 'weight is not a constant';
  if (direct.dataType !== FLOAT) return 'weight is not float32';
  if (direct.dims.length !== 2) return `weight has rank ${direct.dims.length}, not 2`;
  return { weight: input, layout: transB ? 'NK' : 'KN' };
}

/** Every MatMul/Gemm of the main graph with a constant 2-D float32 weight, and the rest. */
export function findWeightTargets(graph: Graph): {
  targets: WeightTarget[];
  skipped: SkippedNode[];
} {
  const targets: WeightTarget[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of graph.nodes) {
    if (!isDefaultDomain(node.domain) || (node.opType !== 'MatMul' && node.opType !== 'Gemm')) {
      continue;
    }
    const skip = (reason: string) =>
      skipped.push({ node: nodeLabel(node), opType: node.opType, reason });
    const gemm = node.opType === 'Gemm';
    if (gemm && attrInt(node, 'transA', 0) !== 0) {
      skip('Gemm with transA = 1');
      continue;
    }
    const found = weightOf(graph, node, gemm && attrInt(node, 'transB', 0) === 1);
    if (typeof found === 'string') {
      skip(found);
      continue;
    }
    const [rows = 0, cols = 0] = float2d(graph, found.weight) ?? [];
    const [k, n] = found.layout === 'KN' ? [rows, cols] : [cols, rows];
    const c = node.input[2] ?? '';
    targets.push({
      node,
      activation: node.input[0] ?? '',
      ...found,
      k,
      n,
      alpha: gemm ? attrFloat(node, 'alpha', 1) : 1,
      ...(gemm && c !== '' ? { bias: { name: c, beta: attrFloat(node, 'beta', 1) } } : {}),
    });
  }
  return { targets, skipped };
}

/** The target's weight times alpha as f32 [N, K] (a fresh array). */
export function weightMatrix(graph: Graph, target: WeightTarget): Float32Array {
  const value = graph.constantValue(target.weight);
  if (value?.dtype !== 'float32') {
    fail('bad-model', `'${target.weight}' is not a float32 constant`, { tensor: target.weight });
  }
  const { k, n, alpha } = target;
  const nk = target.layout === 'NK' ? Float32Array.from(value.data) : transpose(value.data, k, n);
  if (alpha !== 1) for (let i = 0; i < nk.length; i++) nk[i] = Math.fround(alpha * nk[i]!);
  return nk;
}

/**
 * Removes `name` when nothing reads it any more: an initializer, or the Constant or Transpose
 * node producing it (and, in turn, what that Transpose read).
 */
export function dropIfUnused(graph: Graph, name: string): void {
  if (name === '' || graph.uses(name).length > 0 || graph.isGraphOutput(name)) return;
  if (graph.initializer(name) !== undefined) {
    graph.removeInitializer(name);
    return;
  }
  const producer = graph.producer(name);
  if (producer === undefined || producer.output.length !== 1) return;
  if (producer.opType === 'Constant' || producer.opType === 'Transpose') {
    graph.removeNode(producer);
    for (const input of producer.input) dropIfUnused(graph, input);
  }
}

/** Adds `beta` x C to `product`, writing `output`; C is scaled in place of a Mul when constant. */
function addBias(graph: Graph, product: string, output: string, bias: WeightTarget['bias']): void {
  if (bias === undefined) return;
  let c = bias.name;
  if (bias.beta !== 1) {
    const value = graph.constantValue(c);
    const scaled = graph.uniqueName(`${c}_beta`);
    if (value?.dtype === 'float32') {
      const data = value.data.map((v) => Math.fround(v * bias.beta));
      graph.addInitializer(
        tensorToProto({ name: scaled, dtype: 'float32', shape: value.shape, data }),
      );
    } else {
      const beta = graph.uniqueName(`${c}_beta_value`);
      graph.addInitializer(
        tensorToProto({ name: beta, dtype: 'float32', shape: [], data: [bias.beta] }),
      );
      graph.addNode(makeNode({ opType: 'Mul', inputs: [c, beta], outputs: [scaled] }));
    }
    c = scaled;
  }
  const name = graph.uniqueName(`${output}_bias_Add`);
  graph.addNode(makeNode({ opType: 'Add', name, inputs: [product, c], outputs: [output] }));
}

/**
 * Replaces the target's node by what `emit` adds to compute A x W into the name it is given;
 * for Gemm, an Add of beta x C follows. The node's output keeps its name, so its readers are
 * untouched, and constants left unread are removed.
 */
export function replaceTarget(
  graph: Graph,
  target: WeightTarget,
  emit: (product: string) => void,
): void {
  const { node, bias } = target;
  const output = node.output[0] ?? fail('bad-model', `node '${nodeLabel(node)}' has no output`);
  graph.removeNode(node);
  const product = bias === undefined ? output : graph.uniqueName(`${output}_product`);
  emit(product);
  addBias(graph, product, output, bias);
  for (const name of node.input.slice(1)) dropIfUnused(graph, name);
}

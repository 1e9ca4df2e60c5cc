// The first step of planning: what each node is on its own, from its op spec, the options and
// its inputs' types and constness: an integer kernel with its activation, weight, bias and
// constant inputs; a scale-preserving or clamping op whose fate depends on its neighbours; or
// a float op, with the reason. Not the decisions that look across nodes (plan-quantization.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { tensorRank } from '../onnx/rank.js';
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { activationInputs, opSpec, type Bounds, type OpSpec } from '../onnx/op-specs.js';
import { DEFAULT_ACTIVATION_MATMUL, type ConstantInput, type PlanOptions } from './plan-types.js';

/** The plan table's reason for a MatMul of two activations kept float (PlanOptions). */
export const ACTIVATION_MATMUL_REASON =
  'activation x activation MatMul (QK^T, AV) kept float: measured more accurate ' +
  '(BERT 96.9 -> 99.2 % of fp32) and as fast (bench activation-matmul)';

/** The same, when its neighbours quantize its inputs and output: onnxruntime fuses it anyway. */
export const ACTIVATION_MATMUL_FUSED_REASON =
  'activation x activation MatMul (QK^T, AV) kept float, but its neighbours quantize its ' +
  'inputs and output: onnxruntime fuses it to QLinearMatMul all the same';

/** What the planner knows about values while classifying nodes. */
export interface PlanEnv {
  readonly graph: Graph;
  readonly options: PlanOptions;
  isFloat(name: string): boolean;
  isConstant(name: string): boolean;
}

/** A node that runs as an integer kernel when its inputs and output get QDQ. */
export interface KernelNode {
  readonly kind: 'kernel';
  /** Variable float inputs that need QuantizeLinear -> DequantizeLinear. */
  readonly activations: readonly string[];
  readonly constants: readonly ConstantInput[];
  /** The float output that gets QDQ (absent when it is a graph output the kernel leaves float). */
  readonly output?: string;
}

/** One node on its own. */
export type Classified =
  | KernelNode
  | { readonly kind: 'float'; readonly reason: string }
  | { readonly kind: 'shares-scale'; readonly spec: OpSpec }
  | { readonly kind: 'clamp'; readonly bounds: Bounds }
  | {
      readonly kind: 'scales';
      /**
       * The input whose quantized form serves the output, at its scale times `factor`, plus
       * `offset` (an Add or Sub of a scalar: the same integers at a shifted zero point).
       */
      readonly input: string;
      readonly factor: number;
      readonly offset: number;
      /** What the node is when its input is not quantized. */
      readonly fallback: Classified;
    };

const float = (reason: string): Classified => ({ kind: 'float', reason });

/** Why an op whose output is a graph output stays float (the model's outputs stay float). */
export const OUTPUT_STAYS_FLOAT = 'its output is a graph output, which stays float';

/** The node's key in a plan: its first output's name. */
export function nodeKey(node: NodeProto): string {
  return node.output[0] ?? nodeLabel(node);
}

/** Whether `names` (an exclude or include list) names `node` or its op type. */
export function listed(node: NodeProto, names: readonly string[] | undefined): boolean {
  return names !== undefined && (names.includes(node.name) || names.includes(node.opType));
}

/** The scalar value of a constant float or integer tensor, or undefined. */
function scalar(graph: Graph, name: string): number | undefined {
  const value = graph.constantValue(name);
  if (value === undefined || value.data.length !== 1) return undefined;
  return Number(value.data[0]);
}

/** Classifies one node (never a Constant node: the planner skips those). */
export function classifyNode(node: NodeProto, env: PlanEnv): Classified {
  const { options } = env;
  const spec = opSpec(node);
  if (listed(node, options.exclude)) return float('excluded by the exclude option');
  if (listed(node, options.keptFloat)) {
    return float('onnxruntime could not run its quantized form (--json notes give its error)');
  }
  if (spec === undefined) return float('not in the op table: no known integer kernel');
  // `include` picks the integer kernels; folds and scale-preserving ops still follow them.
  const kind = classifySpec(node, spec, env);
  const included = options.include === undefined || listed(node, options.include);
  const fallback = kind.kind === 'kernel' && !included ? float('not in the include option') : kind;
  const scaled = spec.scaleFactor?.(node, (name) => scalar(env.graph, name));
  const input = scaled === undefined ? '' : (node.input[scaled.input] ?? '');
  if (scaled !== undefined && env.isFloat(input) && env.isFloat(node.output[0] ?? '')) {
    return { kind: 'scales', input, factor: scaled.factor, offset: scaled.offset ?? 0, fallback };
  }
  return fallback;
}

function classifySpec(node: NodeProto, spec: OpSpec, env: PlanEnv): Classified {
  const { options } = env;
  const quantizeAll = options.opsWithoutKernel === 'quantize';
  if (spec.activations !== 'variadic' && spec.activations.length === 0) {
    return float('not float arithmetic (a shape, cast or comparison)');
  }
  if (spec.clampBounds !== undefined) {
    const bounds = spec.clampBounds(
      node,
      (name) => scalar(env.graph, name),
      (name) => tensorRank(env.graph, name),
    );
    if (bounds !== undefined) return { kind: 'clamp', bounds };
    if (!quantizeAll) return float('its bounds are not constants');
  } else if (spec.preservesScale === true) {
    if (spec.kernel !== undefined || quantizeAll) return { kind: 'shares-scale', spec };
    return float("keeps its input's scale, but onnxruntime CPU has no integer kernel for it");
  } else if (spec.kernel === undefined && !quantizeAll) {
    return float(spec.floatReason ?? 'no integer kernel in onnxruntime CPU');
  }
  return classifyKernel(node, spec, env);
}

/** Roles of a would-be kernel node's inputs, or why it cannot be one. */
function classifyKernel(node: NodeProto, spec: OpSpec, env: PlanEnv): Classified {
  const { graph, options } = env;
  const key = nodeKey(node);
  const activations: string[] = [];
  const constants: ConstantInput[] = [];
  const weight = spec.weight;
  const weightName = weight === undefined ? '' : (node.input[weight.input] ?? '');
  const weightShape = graph.constantValue(weightName)?.shape;
  let axis: number | undefined;
  if (weight !== undefined && weightName !== '') {
    if (weightShape !== undefined && env.isFloat(weightName)) {
      const perTensor = options.weightGranularity === 'per-tensor';
      axis = perTensor ? undefined : weight.axis(node, weightShape.length);
      const entry = { node: key, input: weight.input, tensor: weightName, role: 'weight' as const };
      constants.push(axis === undefined ? entry : { ...entry, axis });
    } else if (weight.variableIsActivation === true && env.isFloat(weightName)) {
      if ((options.activationMatMul ?? DEFAULT_ACTIVATION_MATMUL) === 'float') {
        return float(ACTIVATION_MATMUL_REASON);
      }
      activations.push(weightName);
    } else {
      return float('its weight is not a float constant');
    }
  }
  const biasName = spec.bias === undefined ? '' : (node.input[spec.bias.input] ?? '');
  if (spec.bias !== undefined && biasName !== '') {
    const shape = graph.constantValue(biasName)?.shape;
    const channels = axis === undefined ? 1 : weightShape?.[axis];
    if (shape === undefined || !env.isFloat(biasName) || shape.length !== 1) {
      return float('its bias is not a 1-D float constant');
    }
    if (axis !== undefined && shape[0] !== channels) return float('its bias is not per channel');
    const entry = { node: key, input: spec.bias.input, tensor: biasName, role: 'bias' as const };
    constants.push(axis === undefined ? entry : { ...entry, axis: 0 });
  }
  for (const i of activationInputs(node, spec)) {
    const name = node.input[i]!;
    if (!env.isFloat(name)) continue;
    if (env.isConstant(name))
      constants.push({ node: key, input: i, tensor: name, role: 'constant' });
    else activations.push(name);
  }
  if (activations.length === 0) return float('reads no float activation');
  const out = node.output[0] ?? '';
  if (graph.isGraphOutput(out) && spec.floatOutput !== true) {
    return float(OUTPUT_STAYS_FLOAT);
  }
  const quantizedOut = env.isFloat(out) && !graph.isGraphOutput(out);
  return { kind: 'kernel', activations, constants, ...(quantizedOut ? { output: out } : {}) };
}

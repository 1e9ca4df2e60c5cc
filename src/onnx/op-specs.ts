// What quantization needs to know about each ONNX operator, in one Map literal from op type to
// its properties: which inputs are float activations, which is the weight (and its per-channel
// axis) or the bias, whether ONNX Runtime's CPU provider fuses its QDQ form into an integer
// kernel, whether it keeps its input's scale, fixes its output range, or clamps (Relu/Clip).
// Shared code asks these properties and never switches on op type. Not the passes themselves.
import { TensorProto_DataType as T, type NodeProto } from './gen/onnx_pb.js';
import { attrInt } from './graph-node.js';

/** The weight input of an op and how it is quantized per channel. */
export interface WeightSpec {
  readonly input: number;
  /** The per-channel axis for this node and weight rank; undefined: per-tensor only. */
  readonly axis: (node: NodeProto, rank: number) => number | undefined;
  /** A non-constant tensor here is quantized as an activation (MatMul of two activations). */
  readonly variableIsActivation?: boolean;
}

/** The bias input: int32, scale = scale(activation input) x scale(weight input), zero point 0. */
export interface BiasSpec {
  readonly input: number;
  readonly activation: number;
  readonly weight: number;
}

/** What shared code may ask about an op type. */
export interface OpSpec {
  /** Inputs that are float activations, quantized when the op is; 'variadic': every input. */
  readonly activations: readonly number[] | 'variadic';
  readonly weight?: WeightSpec;
  readonly bias?: BiasSpec;
  /**
   * The op ONNX Runtime's CPU provider turns a DQ -> op -> Q group into ('drop' when it removes
   * the DQ/Q pair and runs the op itself on integers; 'moved' when it has no such rule but its
   * kernel takes 8-bit integers, and the builder's integer-movement pass moves the group onto
   * them); undefined: no integer kernel there.
   */
  readonly kernel?: string;
  /** Why the op stays float, where the plan should say more than "no integer kernel". */
  readonly floatReason?: string;
  /** Why a scale-preserving op stays float when its input 0 is a constant (an embedding). */
  readonly constantInputReason?: string;
  /** The fusion also applies without a QuantizeLinear on the output (float result). */
  readonly floatOutput?: boolean;
  /** Outputs are input 0's values moved, copied or selected: they must reuse its scale. */
  readonly preservesScale?: boolean;
  /** The real range of output 0 whatever the input. */
  readonly outputRange?: readonly [number, number];
  /**
   * Mul or Div by a positive scalar constant (`value` reads scalars): output = input x factor,
   * so a quantized input serves the output unchanged with its scale times `factor`; Add or Sub
   * of a scalar constant: output = input + offset, the same integers read at a shifted zero point.
   */
  readonly scaleFactor?: (
    node: NodeProto,
    value: (name: string) => number | undefined,
  ) => { readonly input: number; readonly factor: number; readonly offset?: number } | undefined;
  /**
   * Relu/Clip, and Max/Min by a constant: the bounds it clamps to, from attributes or constant
   * inputs (`value` reads a one-element constant, `rank` a tensor's rank where the graph fixes it).
   */
  readonly clampBounds?: (
    node: NodeProto,
    value: (name: string) => number | undefined,
    rank: (name: string) => number | undefined,
  ) => Bounds | undefined;
  /** Element type (TensorProto.DataType) of output `index`; default: that of input 0. */
  readonly outputType?: (
    node: NodeProto,
    inputs: readonly (number | undefined)[],
    index: number,
  ) => number | undefined;
}

/** Closed real bounds; infinite where the op does not clamp. */
export type Bounds = readonly [number, number];

const first: readonly number[] = [0];
const both: readonly number[] = [0, 1];

// onnxruntime core/optimizer/qdq_transformer/selectors_actions/qdq_selector_action_transformer.cc
// (1.20-1.30): UnaryOpQDQRules -> QLinear<Op> in com.microsoft, 8-bit only.
function unary(kernel: string, extra: Partial<OpSpec> = {}): OpSpec {
  return { activations: first, kernel: `com.microsoft.${kernel}`, ...extra };
}

// DropQDQNodesRules: DQ -> op -> Q with equal scale and zero point becomes the op on integers.
function dropped(extra: Partial<OpSpec> = {}): OpSpec {
  return { activations: first, kernel: 'drop', preservesScale: true, ...extra };
}

/** A float op without an integer kernel in ONNX Runtime CPU. */
function float(activations: readonly number[] = first, extra: Partial<OpSpec> = {}): OpSpec {
  return { activations, ...extra };
}

const returns = (type: number) => (): number => type;

const compare: OpSpec = { activations: [], outputType: returns(T.BOOL) };

// Operators.md: Conv W is [M, C/group, k...] (axis 0 = output channels); ConvTranspose W is
// [C, M/group, k...] (axis 1); Gemm B is [K, N], or [N, K] when transB = 1.
const convWeight: WeightSpec = { input: 1, axis: () => 0 };
const bias: BiasSpec = { input: 2, activation: 0, weight: 1 };

/** Per-op properties, keyed by ONNX op type (default domain). */
export const OP_SPECS: ReadonlyMap<string, OpSpec> = new Map<string, OpSpec>([
  // Integer kernels reached through QDQ fusion (ConvQDQRules, MatMulQDQRules, GemmQDQRules).
  ['Conv', { activations: first, weight: convWeight, bias, kernel: 'QLinearConv' }],
  [
    'MatMul',
    {
      activations: first,
      // QLinearMatMul takes a per-column b_scale only for a 2-D B [K, N].
      weight: {
        input: 1,
        axis: (_, rank) => (rank === 2 ? 1 : undefined),
        variableIsActivation: true,
      },
      kernel: 'QLinearMatMul',
      floatOutput: true,
    },
  ],
  [
    'Gemm',
    {
      activations: first,
      weight: { input: 1, axis: (node) => (attrInt(node, 'transB', 0) === 1 ? 0 : 1) },
      bias,
      kernel: 'com.microsoft.QGemm',
      floatOutput: true,
    },
  ],
  [
    'Add',
    {
      activations: both,
      kernel: 'com.microsoft.QLinearAdd',
      scaleFactor: (node, value) => {
        const [a, b] = [value(node.input[0] ?? ''), value(node.input[1] ?? '')];
        if (b !== undefined && Number.isFinite(b) && a === undefined) {
          return { input: 0, factor: 1, offset: b };
        }
        return a !== undefined && Number.isFinite(a) && b === undefined
          ? { input: 1, factor: 1, offset: a }
          : undefined;
      },
    },
  ],
  [
    'Mul',
    {
      activations: both,
      kernel: 'com.microsoft.QLinearMul',
      scaleFactor: (node, value) => {
        const [a, b] = [value(node.input[0] ?? ''), value(node.input[1] ?? '')];
        if (b !== undefined && b > 0 && a === undefined) return { input: 0, factor: b };
        return a !== undefined && a > 0 && b === undefined ? { input: 1, factor: a } : undefined;
      },
    },
  ],
  ['Concat', { activations: 'variadic', kernel: 'com.microsoft.QLinearConcat' }],
  [
    'Where',
    {
      activations: [1, 2],
      kernel: 'com.microsoft.QLinearWhere',
      outputType: (_, inputs) => inputs[1],
    },
  ],
  ['AveragePool', unary('QLinearAveragePool')],
  ['GlobalAveragePool', unary('QLinearGlobalAveragePool')],
  ['LeakyRelu', unary('QLinearLeakyRelu')],
  ['Sigmoid', unary('QLinearSigmoid', { outputRange: [0, 1] })],
  ['Softmax', unary('QLinearSoftmax', { outputRange: [0, 1] })],
  // Scale-preserving ops whose DQ/Q pair onnxruntime drops (DropQDQNodesRules, SplitQDQRules).
  ['Expand', dropped()],
  ['Flatten', dropped()],
  [
    'Gather',
    dropped({
      constantInputReason:
        'reads a constant table (an embedding): a DequantizeLinear of the whole table would ' +
        'run on every inference, so the table stays float (--dynamic stores it as int8)',
    }),
  ],
  ['GatherElements', dropped()],
  ['Reshape', dropped()],
  ['Slice', dropped()],
  ['Squeeze', dropped()],
  ['Tile', dropped()],
  ['Transpose', dropped()],
  ['Unsqueeze', dropped()],
  ['ReduceMax', dropped()],
  ['ReduceMin', dropped()],
  ['MaxPool', dropped()],
  ['Resize', dropped()],
  ['Split', dropped()],
  // Scale-preserving without a QDQ rule ("DepthToSpace and SpaceToDepth not included because
  // there are no integer implementations", onnxruntime issue 21287), though onnxruntime 1.30's
  // CPU kernels take uint8 and int8 (not 16-bit): passes/integer-movement.ts.
  ['DepthToSpace', { activations: first, kernel: 'moved', preservesScale: true }],
  ['SpaceToDepth', { activations: first, kernel: 'moved', preservesScale: true }],
  ['Pad', float(first, { preservesScale: true })],
  ['Identity', float(first, { preservesScale: true })],
  // Clamps, folded into the QuantizeLinear of their input's producer when that is exact.
  ['Relu', float(first, { clampBounds: () => [0, Infinity] })],
  [
    'Clip',
    float(first, {
      // Clip-11+: min and max are optional inputs 1 and 2 (upgradeOpset moves the attributes).
      clampBounds: (node, value) => {
        const bound = (i: number, fallback: number) => {
          const name = node.input[i] ?? '';
          return name === '' ? fallback : value(name);
        };
        const lo = bound(1, -Infinity);
        const hi = bound(2, Infinity);
        return lo === undefined || hi === undefined ? undefined : [lo, hi];
      },
    }),
  ],
  // Float ops: no QDQ selector in onnxruntime CPU.
  ['ConvTranspose', float(first, { weight: { input: 1, axis: () => 1 }, bias })],
  ['HardSigmoid', float(first, { outputRange: [0, 1] })],
  ['Tanh', float(first, { outputRange: [-1, 1] })],
  [
    'Div',
    float(both, {
      scaleFactor: (node, value) => {
        const divisor = value(node.input[1] ?? '');
        const ok = divisor !== undefined && divisor > 0 && Number.isFinite(1 / divisor);
        return ok && value(node.input[0] ?? '') === undefined
          ? { input: 0, factor: 1 / divisor }
          : undefined;
      },
    }),
  ],
  [
    'Sub',
    float(both, {
      scaleFactor: (node, value) => {
        const c = value(node.input[1] ?? '');
        return c !== undefined && Number.isFinite(c) && value(node.input[0] ?? '') === undefined
          ? { input: 0, factor: 1, offset: -c }
          : undefined;
      },
    }),
  ],
  ['Pow', float(both)],
  // Max(x, c) and Min(x, c) with a one-element constant c clamp x (tf2onnx writes LeakyRelu
  // then Max(x, -0.4) this way), unless c's rank would broadcast x to a higher rank.
  ...(['Max', 'Min'] as const).map((op): [string, OpSpec] => [
    op,
    float(both, {
      clampBounds: (node, value, rank) => {
        const [x, c] = [node.input[0] ?? '', node.input[1] ?? ''];
        const bound = value(c);
        const ranks = [rank(x), rank(c)];
        if (node.input.length !== 2 || bound === undefined || value(x) !== undefined) return;
        if (ranks[0] === undefined || ranks[1] === undefined || ranks[1] > ranks[0]) return;
        return op === 'Max' ? [bound, Infinity] : [-Infinity, bound];
      },
    }),
  ]),
  // Transformer ops without a QDQ fusion in onnxruntime CPU (checked on its optimised models:
  // LayerNormalization and GELU's Erf run in float between DequantizeLinear and QuantizeLinear; the
  // QAttention/QEmbedLayerNormalization/QGelu contrib ops are not reachable from QDQ).
  ...['LayerNormalization', 'Gelu'].map((op): [string, OpSpec] => [
    op,
    float(first, {
      floatReason:
        'no QDQ fusion in onnxruntime CPU: runs in float between DequantizeLinear and ' +
        'QuantizeLinear (QGelu, QEmbedLayerNormalization, QAttention are not reachable from QDQ)',
    }),
  ]),
  ...[
    'HardSwish',
    'Sqrt',
    'Exp',
    'Log',
    'Erf',
    'Abs',
    'Neg',
    'Reciprocal',
    'Elu',
    'Selu',
    'Softplus',
    'ReduceMean',
    'ReduceSum',
    'GlobalMaxPool',
    'InstanceNormalization',
    'BatchNormalization',
    'LSTM',
    'GRU',
  ].map((op): [string, OpSpec] => [op, float()]),
  // Ops that read only shapes or change element types: never quantized.
  ['Shape', { activations: [], outputType: returns(T.INT64) }],
  ['Size', { activations: [], outputType: returns(T.INT64) }],
  ['NonZero', { activations: [], outputType: returns(T.INT64) }],
  ['ArgMax', { activations: [], outputType: returns(T.INT64) }],
  ['ArgMin', { activations: [], outputType: returns(T.INT64) }],
  ['Cast', { activations: [], outputType: (node) => attrInt(node, 'to', T.UNDEFINED) }],
  ['CastLike', { activations: [], outputType: (_, inputs) => inputs[1] ?? T.UNDEFINED }],
  [
    'ConstantOfShape',
    // ConstantOfShape-9: float32 zeros unless the `value` attribute says otherwise.
    {
      activations: [],
      outputType: (node) => node.attribute.find((a) => a.name === 'value')?.t?.dataType ?? T.FLOAT,
    },
  ],
  ['TopK', { activations: [], outputType: (_, inputs, i) => (i === 1 ? T.INT64 : inputs[0]) }],
  ['QuantizeLinear', { activations: [], outputType: (_, inputs) => inputs[2] ?? T.UINT8 }],
  ['DequantizeLinear', { activations: [], outputType: (_, inputs) => inputs[1] ?? T.FLOAT }],
  // DynamicQuantizeLinear-11: y uint8, y_scale float, y_zero_point uint8; the integer ops: int32.
  [
    'DynamicQuantizeLinear',
    { activations: [], outputType: (_, __, i) => (i === 1 ? T.FLOAT : T.UINT8) },
  ],
  ['MatMulInteger', { activations: [], outputType: returns(T.INT32) }],
  ['ConvInteger', { activations: [], outputType: returns(T.INT32) }],
  ...['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor'].map(
    (op): [string, OpSpec] => [op, compare],
  ),
  ['IsNaN', compare],
  ['IsInf', compare],
]);

/** The spec of a node in the default ONNX domain, or undefined (unknown op, other domain). */
export function opSpec(node: NodeProto): OpSpec | undefined {
  return node.domain === '' || node.domain === 'ai.onnx' ? OP_SPECS.get(node.opType) : undefined;
}

/** Input indices of `node` that its spec lists as activations. */
export function activationInputs(node: NodeProto, spec: OpSpec): number[] {
  const slots =
    spec.activations === 'variadic' ? node.input.map((_, i) => i) : [...spec.activations];
  return slots.filter((i) => (node.input[i] ?? '') !== '');
}

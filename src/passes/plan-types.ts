// The data a quantization plan is made of: options in, decisions out. A plan is plain JSON-able
// data (arrays, records, strings, numbers), so the CLI can print it, save it, and hand its
// `calibrate` list to calibration before insert-qdq applies it. Not the planning logic.
import { fail, type QType, type Scheme } from '../core/index.js';
import type { ChannelMeanInput } from './bias-correction.js';

/**
 * How activations are quantized. `asymmetric`: uint8, zero point where the range puts it.
 * `symmetric`: zero point at the grid's centre (uint8 with zero point 128 by default, int8
 * with zero point 0 when `symmetricType` is 'int8'). `asymmetric-int8`: int8 affine.
 * `int16`: int16 affine (QuantizeLinear-21; onnxruntime CPU then computes in float).
 */
export type ActivationMode = 'asymmetric' | 'symmetric' | 'asymmetric-int8' | 'int16';

/** A per-tensor override: qtype, scheme, or a fixed real range that replaces calibration. */
export interface TensorOverride {
  readonly qtype?: QType;
  readonly scheme?: Scheme;
  readonly range?: { readonly min: number; readonly max: number };
}

/** What planQuantization may quantize and how. */
export interface PlanOptions {
  readonly activations?: ActivationMode;
  /** Storage of `symmetric` activations: 'uint8' (zero point 128, default) or 'int8'. */
  readonly symmetricType?: 'uint8' | 'int8';
  /** Weights: one scale per output channel (default) or one per tensor. Always int8 symmetric. */
  readonly weightGranularity?: 'per-channel' | 'per-tensor';
  /** Node names or op types never to quantize. */
  readonly exclude?: readonly string[];
  /**
   * Node names or op types kept float because onnxruntime could not run their quantized form
   * (runStaticRecipe's retry): as `exclude`, with that reason in the plan.
   */
  readonly keptFloat?: readonly string[];
  /**
   * When given, only these node names or op types run as integer kernels; Relu/Clip and Mul/Div
   * folds and scale-preserving ops next to them still follow.
   */
  readonly include?: readonly string[];
  /** Overrides by tensor name (the float tensor's name in the planned graph). */
  readonly tensors?: Readonly<Record<string, TensorOverride>>;
  /**
   * 'float' (default): ops without an integer kernel in onnxruntime CPU stay float and get no
   * QDQ of their own. 'quantize': QDQ around them too (for runtimes that have kernels for them).
   */
  readonly opsWithoutKernel?: 'float' | 'quantize';
  /**
   * MatMul of two activations (attention's QK^T and AV): 'float' (default) or 'quantize'
   * (QLinearMatMul). Measured on data/transformers: float kept BERT at 99.2 % of fp32 (96.9 %
   * quantized), GPT 99.8 % (99.6 %), ViT 100 % (100 %), the PP-OCR recognizer 99.52 % both
   * ways, at the same latency within 5 % (`npm run bench -- activation-matmul`).
   */
  readonly activationMatMul?: 'quantize' | 'float';
  /** Concat inputs and output share one scale ('share'), or the kernel requantizes (default). */
  readonly concat?: 'requantize' | 'share';
  /**
   * Correct quantized Convs' biases for the mean shift of weight rounding (default false:
   * measured, it cut openWakeWord's score drift by a third but cost the PP-OCR recognizer
   * 0.2-0.6 points of character accuracy).
   */
  readonly biasCorrection?: boolean;
  /**
   * Channel multiple that quantized depthwise convs are padded to with zero weights (default 16,
   * the x86 kernel's SIMD width; pad-depthwise.ts); false: never pad. Off with bias correction.
   */
  readonly padChannels?: number | false;
  /**
   * Exact rewrites of the QDQ graph that unlock faster integer kernels (default true): nearest
   * Resize by whole factors as integer data movement (integer-upsample.ts), 3-channel convs'
   * input padded to 4 (pad-input-channels.ts). false: the plain QDQ graph.
   */
  readonly integerRewrites?: boolean;
}

/** Activation parameters shared by a set of tensors (through scale-preserving ops and folds). */
export interface ActivationGroup {
  /** Stable id: the first member's name. */
  readonly id: string;
  /** Float tensors that get QuantizeLinear -> DequantizeLinear with these parameters. */
  readonly tensors: readonly string[];
  /** Tensors whose calibrated ranges, united, decide the parameters (empty when fixed). */
  readonly calibrate: readonly string[];
  readonly qtype: QType;
  readonly scheme: Scheme;
  /** A range given by an override, used instead of calibration. */
  readonly fixedRange?: { readonly min: number; readonly max: number };
  /**
   * Bounds the calibrated range is clipped to (absent: unbounded): a folded Relu/Clip's, which
   * keeps the fold exact, or the op's output range (Sigmoid, Softmax: [0, 1]).
   */
  readonly clamp?: { readonly min?: number; readonly max?: number };
}

/** One input of a quantized node that is stored as integers: a weight, bias or constant. */
export interface ConstantInput {
  /** The node, by its first output's name (unique in a graph). */
  readonly node: string;
  readonly input: number;
  readonly tensor: string;
  /**
   * 'weight': int8 symmetric; 'bias': int32 at input scale x weight scale; 'constant': quantized
   * like activations, with its own range.
   */
  readonly role: 'weight' | 'bias' | 'constant';
  /** Per-channel axis of a weight (and of its bias); absent: per-tensor. */
  readonly axis?: number;
}

/** A tensor served by another's QuantizeLinear at `factor` times its scale (folded Mul/Div). */
export interface ScaledTensor {
  readonly tensor: string;
  /** The quantized tensor whose QuantizeLinear output it dequantizes. */
  readonly from: string;
  /** tensor = from x factor + offset: read at from's scale x factor, zero point shifted. */
  readonly factor: number;
  readonly offset: number;
}

/** What the plan decided for one node. */
export interface NodeDecision {
  /** The node's name, or op type and first output when it has none. */
  readonly label: string;
  /** Its first output's name: the key other plan entries use. */
  readonly node: string;
  readonly opType: string;
  /** 'quantized': integer kernel; 'shares-scale': runs on integers with its input's scale. */
  readonly status: 'quantized' | 'shares-scale' | 'folded' | 'float';
  /** Why a node stays float, or what a folded node folded into. */
  readonly reason?: string;
}

/** Everything insertQdq needs, and what the CLI reports. */
export interface QuantPlan {
  /** Default-domain opset the QDQ model needs (13, or 21 for 16-bit activations). */
  readonly opset: number;
  /** Activation qtype and scheme without overrides (constant inputs are stored this way). */
  readonly activation: { readonly qtype: QType; readonly scheme: Scheme };
  /** What MatMuls of two activations got: integer kernels or float (PlanOptions'). */
  readonly activationMatMul: 'quantize' | 'float';
  readonly groups: readonly ActivationGroup[];
  readonly constants: readonly ConstantInput[];
  readonly nodes: readonly NodeDecision[];
  /** Float tensors whose calibrated min/max insertQdq needs, in graph order. */
  readonly calibrate: readonly string[];
  readonly scaled: readonly ScaledTensor[];
  /** Inputs whose per-channel means bias correction reads (empty when it is off). */
  readonly channelMeans: readonly ChannelMeanInput[];
}

/** PlanOptions.activationMatMul when not given (docs/design.md, bench activation-matmul). */
export const DEFAULT_ACTIVATION_MATMUL: 'quantize' | 'float' = 'float';

/** The qtype and scheme activations get under `options`. */
export function activationQuant(options: PlanOptions): { qtype: QType; scheme: Scheme } {
  const mode = options.activations ?? 'asymmetric';
  if (mode === 'symmetric') {
    return { qtype: options.symmetricType ?? 'uint8', scheme: 'symmetric' };
  }
  const qtype = ACTIVATION_QTYPES[mode] ?? fail('bad-argument', `unknown activations '${mode}'`);
  return { qtype, scheme: 'asymmetric' };
}

const ACTIVATION_QTYPES: Readonly<Record<string, QType>> = {
  asymmetric: 'uint8',
  'asymmetric-int8': 'int8',
  int16: 'int16',
};

/** The opset a QDQ model with these options needs: 21 once any 16-bit or 4-bit type appears. */
export function requiredOpset(options: PlanOptions): number {
  const qtypes = [
    activationQuant(options).qtype,
    ...Object.values(options.tensors ?? {}).map((o) => o.qtype),
  ];
  // Operators.md: QuantizeLinear-21 adds int16/uint16 and int4/uint4 outputs; 13 has 8-bit only.
  return qtypes.some((q) => q !== undefined && q !== 'int8' && q !== 'uint8') ? 21 : 13;
}

// The folds of planning: Mul/Div by a positive scalar whose input is quantized disappears into
// a DequantizeLinear scale (x * k reads Q(x) at scale s * k), Add/Sub of a scalar into its zero
// point (x + c reads Q(x) at zero point z - c / s, c rounded to the grid: at most half a step),
// and Relu/Clip after a kernel's output disappears into that output's range (the QuantizeLinear
// saturates where it clamped). They remove float islands and integer kernels (PP-LCNetV3's
// affine after each hard-swish). Not the quantized-tensor sets (plan-quantization.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { opSpec, type Bounds } from '../onnx/op-specs.js';
import type { Scheme } from '../core/index.js';
import type { Classified, KernelNode, PlanEnv } from './plan-nodes.js';
import { activationQuant, type NodeDecision } from './plan-types.js';

/** Decisions so far and what the folds record. */
export interface FoldState {
  readonly env: PlanEnv;
  readonly kinds: ReadonlyMap<NodeProto, Classified>;
  readonly decisions: Map<NodeProto, Omit<NodeDecision, 'label' | 'node' | 'opType'>>;
  readonly kernels: Map<NodeProto, KernelNode>;
  /** Folded clamp output -> the kernel output it now is. */
  readonly alias: Map<string, string>;
  /** Bounds by the kernel output a clamp folded onto. */
  readonly clamps: Map<string, Bounds>;
  /** The clamp output whose calibrated range stands for a kernel output's. */
  readonly rangeSources: Map<string, string>;
  /** Folded Mul/Div/Add/Sub output -> the quantized tensor it dequantizes, factor and offset. */
  readonly derived: Map<string, { from: string; factor: number; offset: number }>;
}

/**
 * An Add/Sub of a scalar whose output a clamp reads stays a kernel (hard-swish's x + 3 before
 * its Clip): the clamp folds into that kernel's output range, which a shifted zero point cannot
 * clamp. Runs before the other folds.
 */
export function keepClampedOffsets(env: PlanEnv, kinds: Map<NodeProto, Classified>): void {
  for (const [node, kind] of kinds) {
    if (kind.kind !== 'scales' || kind.offset === 0) continue;
    const readers = env.graph.consumers(node.output[0] ?? '');
    if (readers.some((r) => kinds.get(r)?.kind === 'clamp')) kinds.set(node, kind.fallback);
  }
}

/**
 * Folds Mul/Div by positive scalars on quantized kernel outputs (after foldClamps, so a clamp's
 * output counts as its kernel's); the others become what their fallback says.
 */
export function foldScales(state: FoldState): void {
  const { env, kinds, decisions, kernels, derived, alias } = state;
  const { graph } = env;
  for (const [node, kind] of kinds) {
    if (kind.kind !== 'scales') continue;
    const input = alias.get(kind.input) ?? kind.input;
    const base = derived.get(input);
    const producer = graph.producer(input);
    const out = node.output[0] ?? '';
    const quantized =
      base !== undefined || (producer !== undefined && kernels.get(producer)?.output === input);
    const sharing = graph.consumers(out).some((c) => kinds.get(c)?.kind === 'shares-scale');
    const from = base?.from ?? input;
    const factor = (base?.factor ?? 1) * kind.factor;
    const offset = (base?.offset ?? 0) * kind.factor + kind.offset;
    if (
      !quantized ||
      sharing ||
      offsetBlocked(state, from, offset / factor) ||
      graph.isGraphOutput(out)
    ) {
      const fallback = kind.fallback;
      if (fallback.kind === 'kernel') kernels.set(node, fallback);
      else decisions.set(node, { status: 'float', reason: reasonOf(fallback) });
      continue;
    }
    derived.set(out, { from, factor, offset });
    const into = kind.offset === 0 ? 'scale' : 'zero point';
    decisions.set(node, { status: 'folded', reason: `into the ${into} of ${from}` });
  }
}

/**
 * Whether `from` cannot be read `shift` higher by a zero point: symmetric grids keep theirs fixed,
 * and a clamped or bounded range cannot widen to hold -shift (insert-qdq.ts reachOffsets).
 */
function offsetBlocked({ env, clamps }: FoldState, from: string, shift: number): boolean {
  if (shift === 0) return false;
  const scheme = env.options.tensors?.[from]?.scheme ?? activationQuant(env.options).scheme;
  const producer = env.graph.producer(from);
  const [lo, hi] = clamps.get(from) ??
    (producer && opSpec(producer)?.outputRange) ?? [-Infinity, Infinity];
  return scheme !== 'asymmetric' || !(lo <= -shift && -shift <= hi);
}

function reasonOf(kind: Classified): string {
  return kind.kind === 'float' ? kind.reason : 'its input is not quantized';
}

/**
 * Folds each clamp whose input is a kernel's quantized output that nothing else reads: the
 * output is quantized with the clamp's output range clipped to its bounds.
 */
export function foldClamps(state: FoldState, scheme: Scheme): void {
  const { env, kinds, decisions, kernels, alias, clamps, rangeSources } = state;
  const { graph } = env;
  const overrides = env.options.tensors ?? {};
  for (const [node, kind] of kinds) {
    if (kind.kind !== 'clamp') continue;
    const input = alias.get(node.input[0] ?? '') ?? node.input[0] ?? '';
    const out = node.output[0] ?? '';
    const producer = graph.producer(input);
    const symmetric =
      (overrides[input]?.scheme ?? overrides[out]?.scheme ?? scheme) === 'symmetric';
    const why =
      producer === undefined || kernels.get(producer)?.output !== input
        ? "its input is not a quantized op's output"
        : graph.uses(node.input[0] ?? '').length !== 1 || graph.isGraphOutput(out)
          ? 'its input has other consumers, or its output is a graph output'
          : !env.isFloat(out)
            ? 'its output is not float'
            : foldBlocker(kind.bounds, symmetric);
    if (why !== undefined) {
      decisions.set(node, { status: 'float', reason: why });
      continue;
    }
    alias.set(out, input);
    const c = clamps.get(input) ?? [-Infinity, Infinity];
    clamps.set(input, [Math.max(c[0], kind.bounds[0]), Math.min(c[1], kind.bounds[1])]);
    rangeSources.set(input, out);
    decisions.set(node, { status: 'folded', reason: `into ${nodeLabel(producer!)}` });
  }
}

// A folded clamp must be exact: the quantization grid may hold no value outside [lo, hi].
// Asymmetric grids span [min(range, 0), max(range, 0)] within the clamp's own output range;
// symmetric grids span [-m, m], inside [lo, hi] for every calibrated m only when lo = -hi.
function foldBlocker([lo, hi]: Bounds, symmetric: boolean): string | undefined {
  if (symmetric) {
    return lo === -hi ? undefined : 'symmetric activations cannot clamp at these bounds exactly';
  }
  return lo <= 0 && hi >= 0 ? undefined : 'its bounds exclude 0, which asymmetric ranges include';
}

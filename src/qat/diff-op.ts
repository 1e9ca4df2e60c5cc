// The interface every differentiable op implements, and the context the executor hands it.
// One op per ONNX op type; the executor (executor.ts) owns order, tape and accumulation.
// Not the registry (op-registry.ts) and not any op's arithmetic.
import type { GraphNode, QTensor, Value } from './tensor.js';

/** What an op may read beyond its node: the model's default-domain opset. */
export interface OpContext {
  readonly opset: number;
}

/** A forward computation and its vector-Jacobian product. */
export interface DiffOp {
  /** Computes outputs; returns what backward needs in `saved`. */
  forward(
    inputs: readonly (Value | undefined)[],
    node: GraphNode,
    context: OpContext,
  ): { outputs: Value[]; saved?: unknown };
  /**
   * Given dL/d(outputs) (undefined where an output got no gradient), returns dL/d(inputs)
   * for the inputs whose `needs` entry is true (undefined elsewhere). Must not modify
   * `gradOutputs`; may return one of them as is.
   */
  backward(
    gradOutputs: readonly (QTensor | undefined)[],
    saved: unknown,
    node: GraphNode,
    needs: readonly boolean[],
    context: OpContext,
  ): (QTensor | undefined)[];
}

/** An op with no gradient: shape arithmetic, casts to integers, comparisons. */
export function forwardOnly(
  forward: (inputs: readonly (Value | undefined)[], node: GraphNode, context: OpContext) => Value[],
): DiffOp {
  return {
    forward: (inputs, node, context) => ({ outputs: forward(inputs, node, context) }),
    backward: (_gradOutputs, _saved, _node, needs) => needs.map(() => undefined),
  };
}

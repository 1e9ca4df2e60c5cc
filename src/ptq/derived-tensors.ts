// Which calibrated tensors need not be fetched from onnxruntime because the observer side can
// recompute them exactly from tensors it receives anyway: float32 Add/Sub/Mul/Div with constants
// or other received tensors, Clip/Relu (IEEE arithmetic, so the same bits as onnxruntime's), and
// Reshape/Transpose/Squeeze/Unsqueeze/Flatten/Identity copies, which hold the same values and so
// give per-tensor observers the same statistics. Copying the observed tensors out of onnxruntime
// was most of calibration's cost (issue 15). Not the arithmetic (derive-values.ts).
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { attrFloat } from '../onnx/graph-node.js';

/** An operand of a derived tensor: a tensor of the batch, or a float32 constant. */
export type DeriveOperand =
  { readonly tensor: string } | { readonly values: Float32Array; readonly dims: readonly number[] };

/** How to recompute one tensor from the batch's tensors (plain data, so it crosses to a worker). */
export type DerivedTensor =
  | {
      readonly tensor: string;
      readonly op: 'Add' | 'Sub' | 'Mul' | 'Div';
      readonly a: DeriveOperand;
      readonly b: DeriveOperand;
    }
  | {
      readonly tensor: string;
      readonly op: 'Clip';
      readonly x: string;
      readonly min: number;
      readonly max: number;
    }
  /** Same values as `x` (any order): for per-tensor observers only, never for channel means. */
  | { readonly tensor: string; readonly op: 'Copy'; readonly x: string };

const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div']);
const COPIES = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

/** Derivations and the tensors that still have to be fetched. */
export interface DerivationPlan {
  /** In graph order: each reads only fetched, fed or earlier derived tensors. */
  readonly derived: readonly DerivedTensor[];
  readonly fetch: readonly string[];
}

/**
 * Splits `fetch` (tensors to be copied out of onnxruntime) into those still fetched and those
 * derived from fetched tensors, graph inputs (`fed`) and constants. Tensors in `averaged`
 * (channel means read their layout) are never derived through a reordering copy. A derivation
 * may go through tensors nobody observes (a hard-swish's x / 6), computed but not observed.
 * Without `arithmetic`, only copies are derived (they cost the observers nothing).
 */
export function planDerivations(
  graph: Graph,
  fetch: readonly string[],
  fed: readonly string[],
  averaged: ReadonlySet<string>,
  arithmetic = true,
): DerivationPlan {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const position = (name: string): number => {
    const node = graph.producer(name);
    return node === undefined ? -1 : (order.get(node) ?? -1);
  };
  const received = new Set(fed);
  const chosen = new Map<string, DerivedTensor>();
  // Tensors derived by a copy that may reorder or reshape: their values stand for the tensor's
  // in an observer, but their layout is the source's, so nothing computes with them.
  const valuesOnly = new Set<string>();
  const isValuesOnly = (r: DerivedTensor): boolean =>
    r.op === 'Copy' && (valuesOnly.has(r.x) || graph.producer(r.tensor)?.opType !== 'Identity');
  // A recipe for `name`; the unobserved intermediates it needs go to `pending`.
  const tryDerive = (
    name: string,
    depth: number,
    pending: Map<string, DerivedTensor>,
  ): DerivedTensor | undefined => {
    const node = graph.producer(name);
    if (node === undefined || depth > MAX_DEPTH) return undefined;
    const available = (input: string, layout: boolean): boolean => {
      const known = chosen.get(input) ?? pending.get(input);
      if (known !== undefined) return !(layout && isValuesOnly(known));
      if (received.has(input)) return true;
      if (fetchSet.has(input) || graph.isGraphInput(input)) return false;
      const r = tryDerive(input, depth + 1, pending);
      if (r === undefined || (layout && isValuesOnly(r))) return false;
      pending.set(input, r);
      if (isValuesOnly(r)) valuesOnly.add(input);
      return true;
    };
    const recipe = recipeOf(graph, node, available);
    return arithmetic || recipe?.op === 'Copy' ? recipe : undefined;
  };
  const fetchSet = new Set(fetch);
  // Graph order, so a tensor's sources are settled (fetched or derived) before it.
  for (const name of [...fetch].sort((x, y) => position(x) - position(y))) {
    const pending = new Map<string, DerivedTensor>();
    const recipe = tryDerive(name, 0, pending);
    if (recipe === undefined || (averaged.has(name) && isValuesOnly(recipe))) {
      received.add(name);
      continue;
    }
    for (const [n, r] of pending) chosen.set(n, r);
    chosen.set(name, recipe);
    if (isValuesOnly(recipe)) valuesOnly.add(name);
    fetchSet.delete(name);
  }
  const derived = [...chosen.values()].sort((x, y) => position(x.tensor) - position(y.tensor));
  return { derived, fetch: fetch.filter((n) => fetchSet.has(n)) };
}

/** Longest chain of unobserved tensors a derivation computes on the way. */
const MAX_DEPTH = 2;

/** The recipe of `node`'s output when its op is derivable and its inputs are available. */
function recipeOf(
  graph: Graph,
  node: NodeProto,
  available: (name: string, layout: boolean) => boolean,
): DerivedTensor | undefined {
  const tensor = node.output[0]!;
  if (node.output.length !== 1 || node.domain !== '') return undefined;
  if (COPIES.has(node.opType)) {
    const x = node.input[0];
    return x !== undefined && available(x, false) ? { tensor, op: 'Copy', x } : undefined;
  }
  if (ARITHMETIC.has(node.opType) && node.input.length === 2) {
    const [a, b] = node.input.map((i) => operand(graph, i, available));
    if (a === undefined || b === undefined || ('values' in a && 'values' in b)) return undefined;
    return { tensor, op: node.opType as 'Add' | 'Sub' | 'Mul' | 'Div', a, b };
  }
  if (node.opType === 'Relu' && available(node.input[0]!, true)) {
    return { tensor, op: 'Clip', x: node.input[0]!, min: 0, max: Infinity };
  }
  if (node.opType === 'Clip' && available(node.input[0]!, true)) {
    const bound = (i: number, attr: string, fallback: number): number | undefined => {
      const name = node.input[i];
      if (name === undefined || name === '') return attrFloat(node, attr, fallback);
      const c = graph.constantValue(name);
      return c?.dtype === 'float32' && c.data.length === 1 ? c.data[0] : undefined;
    };
    const min = bound(1, 'min', -Infinity);
    const max = bound(2, 'max', Infinity);
    if (min === undefined || max === undefined) return undefined;
    return { tensor, op: 'Clip', x: node.input[0]!, min, max };
  }
  return undefined;
}

/** A float32 constant's values, or a tensor of the batch when available. */
function operand(
  graph: Graph,
  name: string,
  available: (name: string, layout: boolean) => boolean,
): DeriveOperand | undefined {
  const c = graph.constant(name) === undefined ? undefined : graph.constantValue(name);
  if (c !== undefined) {
    // A copy: the decoded values may view the whole model's bytes, which a worker would clone.
    return c.dtype === 'float32' ? { values: c.data.slice(), dims: c.shape } : undefined;
  }
  return available(name, true) ? { tensor: name } : undefined;
}

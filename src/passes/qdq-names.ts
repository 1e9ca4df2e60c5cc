// Names of what the QDQ rewrite adds, in one place: `x_q` (a stored integer constant) and `x_dq`
// (DequantizeLinear output) carry the tensor's name, so the model still reads in a viewer; an
// activation's QuantizeLinear output, which only its DequantizeLinear reads, is `qN`, scales
// are `scaleN` and zero points `zpN`, numbered per graph, and
// equal zero points are one shared initializer (`zp_uint8_128`, `zp_int8_0x64`). Every name is
// stored once per reference, and a Q/DQ pair references its scale and zero point six times:
// with exporters' 40-60 character tensor names, long parameter names were a tenth of a
// quantized model's bytes. QuantizeLinear and DequantizeLinear nodes are left unnamed; their
// output names identify them. Not unique by themselves: see Graph.uniqueName.
import type { QType } from '../core/index.js';
import type { DType } from '../onnx/dtypes.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';

/** What an added value that carries a tensor's name is. */
export type QdqRole = 'quantized' | 'dequantized';

const SUFFIXES: Readonly<Record<QdqRole, string>> = { quantized: '_q', dequantized: '_dq' };

/** A fresh name for `role` of `tensor`, reserved in `graph`. */
export function qdqName(graph: Graph, tensor: string, role: QdqRole): string {
  return graph.uniqueName(`${tensor}${SUFFIXES[role]}`);
}

interface GraphParams {
  count: number;
  readonly zeroPoints: Map<string, string>;
}

// Per graph: the next parameter number and the shared zero points. Keyed by the Graph object,
// so one rewrite numbers from 0 and the same model gives the same names.
const PARAMS = new WeakMap<Graph, GraphParams>();

function paramsOf(graph: Graph): GraphParams {
  let p = PARAMS.get(graph);
  if (p === undefined) {
    p = { count: 0, zeroPoints: new Map() };
    PARAMS.set(graph, p);
  }
  return p;
}

function numbered(graph: Graph, prefix: string): string {
  return graph.uniqueName(`${prefix}${paramsOf(graph).count++}`);
}

/** A fresh name for an activation's QuantizeLinear output. */
export function quantizedActivationName(graph: Graph): string {
  return numbered(graph, 'q');
}

/** Adds a float32 scale initializer (a scalar, or 1-D per axis) and returns its name. */
export function addScale(graph: Graph, values: ArrayLike<number>, perAxis = false): string {
  const name = numbered(graph, 'scale');
  const shape = perAxis ? [values.length] : [];
  graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape, data: values }));
  return name;
}

/**
 * A zero-point initializer of `dtype` holding `values` (a scalar, or 1-D per axis). One whose
 * values are all equal is shared by every reader in the graph; others get their own.
 */
export function addZeroPoint(
  graph: Graph,
  dtype: QType | DType,
  values: ArrayLike<number>,
  perAxis = false,
): string {
  const shape = perAxis ? [values.length] : [];
  const first = values[0] ?? 0;
  const uniform = Array.from(values).every((v) => v === first);
  const zeroPoints = paramsOf(graph).zeroPoints;
  const key = `zp_${dtype}_${first}${perAxis ? `x${values.length}` : ''}`;
  const shared = uniform ? zeroPoints.get(key) : undefined;
  if (shared !== undefined && graph.isDefined(shared)) return shared;
  const name = uniform ? graph.uniqueName(key) : numbered(graph, 'zp');
  graph.addInitializer(tensorToProto({ name, dtype, shape, data: values }));
  if (uniform) zeroPoints.set(key, name);
  return name;
}

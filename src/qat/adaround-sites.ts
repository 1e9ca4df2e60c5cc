// Which weights AdaRound can round, and each one's view as [rows, k] output rows: Conv weights
// (per group), MatMul weights [K, N] (transposed) and Gemm B, with their fixed grid read from
// the PTQ model's DequantizeLinear and the names of the layer's input in the float graph and in
// the QDQ model. Not the statistics (adaround-stats.ts) nor the optimisation (adaround.ts).
import { QTYPES, qtypeFromOnnx } from '../core/index.js';
import { attrFloat, attrInt, type Graph } from '../onnx/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { QuantPlan } from '../passes/index.js';

/** One roundable weight: where it lives and how its values map to [rows, k]. */
export interface AdaroundSite {
  /** The plan's node key and the float weight tensor's name. */
  readonly node: string;
  readonly weight: string;
  readonly opType: 'Conv' | 'MatMul' | 'Gemm';
  /** The float graph's node (Conv attributes) and the weight's stored shape. */
  readonly floatNode: NodeProto;
  readonly shape: readonly number[];
  /** The layer's input in the float graph and in the QDQ model. */
  readonly floatInput: string;
  readonly quantInput: string;
  readonly rows: number;
  readonly k: number;
  readonly groups: number;
  /** Stored as [k, rows] (MatMul, Gemm without transB): rows are columns. */
  readonly transposed: boolean;
  /** The stored scales (one, or one per row) and the grid's bounds. */
  readonly scale: Float32Array;
  readonly qmin: number;
  readonly qmax: number;
}

/** A weight AdaRound leaves as PTQ rounded it, and why. */
export interface AdaroundSkip {
  readonly node: string;
  readonly reason: string;
}

/** The float weight in [rows, k] order (a copy). */
export function weightRows(site: AdaroundSite, data: ArrayLike<number>): Float32Array {
  const out = new Float32Array(site.rows * site.k);
  for (let r = 0; r < site.rows; r++) {
    for (let j = 0; j < site.k; j++) {
      out[r * site.k + j] = data[site.transposed ? j * site.rows + r : r * site.k + j] as number;
    }
  }
  return out;
}

/** The grid values of codes [rows, k] in the weight's stored order: fround(code x scale). */
export function gridWeights(site: AdaroundSite, codes: Int32Array): Float32Array {
  const out = new Float32Array(site.rows * site.k);
  const scales = rowScales(site);
  for (let r = 0; r < site.rows; r++) {
    for (let j = 0; j < site.k; j++) {
      out[site.transposed ? j * site.rows + r : r * site.k + j] =
        codes[r * site.k + j]! * scales[r]!;
    }
  }
  return out;
}

/** One scale per row (a per-tensor scale repeated). */
export function rowScales(site: AdaroundSite): Float32Array {
  return site.scale.length === site.rows
    ? site.scale
    : new Float32Array(site.rows).fill(site.scale[0]!);
}

function view(node: NodeProto, shape: readonly number[]) {
  if (node.opType === 'Conv') {
    const groups = attrInt(node, 'group', 1);
    const k = shape.slice(1).reduce((a, b) => a * b, 1);
    return { rows: shape[0]!, k, groups, transposed: false, axis: 0 };
  }
  if (shape.length !== 2) return `its weight has ${shape.length} dimensions`;
  if (node.opType === 'MatMul') {
    return { rows: shape[1]!, k: shape[0]!, groups: 1, transposed: true, axis: 1 };
  }
  if (attrInt(node, 'transA', 0) !== 0 || attrFloat(node, 'alpha', 1) !== 1) {
    return 'a Gemm with transA or alpha';
  }
  const transB = attrInt(node, 'transB', 0) === 1;
  return transB
    ? { rows: shape[0]!, k: shape[1]!, groups: 1, transposed: false, axis: 0 }
    : { rows: shape[1]!, k: shape[0]!, groups: 1, transposed: true, axis: 1 };
}

/** The roundable weights of `plan` (float graph `floatGraph`, PTQ model graph `qdq`), in graph order. */
export function adaroundSites(
  floatGraph: Graph,
  qdq: Graph,
  plan: QuantPlan,
): { sites: AdaroundSite[]; skipped: AdaroundSkip[] } {
  const sites: AdaroundSite[] = [];
  const skipped: AdaroundSkip[] = [];
  const weights = plan.constants.filter((c) => c.role === 'weight');
  const order = new Map(floatGraph.nodes.map((n, i) => [n.output[0] ?? '', i]));
  for (const entry of weights) {
    const skip = (reason: string) => skipped.push({ node: entry.node, reason });
    const node = floatGraph.producer(entry.node);
    const target = qdq.producer(entry.node);
    const value = floatGraph.constantValue(entry.tensor);
    if (node === undefined || target === undefined || value?.dtype !== 'float32') {
      skip('its weight is not a float32 constant of a node in both models');
      continue;
    }
    if (!['Conv', 'MatMul', 'Gemm'].includes(node.opType) || entry.input !== 1) {
      skip(`${node.opType} input ${entry.input} is not a Conv, MatMul or Gemm weight`);
      continue;
    }
    if (weights.filter((w) => w.tensor === entry.tensor).length > 1) {
      skip(`its weight '${entry.tensor}' is shared with another node`);
      continue;
    }
    const shape = value.shape;
    const layout = view(node, shape);
    if (typeof layout === 'string') {
      skip(layout);
      continue;
    }
    const dq = qdq.producer(target.input[1] ?? '');
    const scale = dq === undefined ? undefined : qdq.constantValue(dq.input[1] ?? '');
    const codes = dq === undefined ? undefined : qdq.initializer(dq.input[0] ?? '');
    const zero = dq?.input[2] ? qdq.constantValue(dq.input[2]) : undefined;
    const qtype = codes === undefined ? undefined : qtypeFromOnnx(codes.dataType);
    if (dq?.opType !== 'DequantizeLinear' || scale === undefined || qtype === undefined) {
      skip('its weight is not dequantized from stored integers in the PTQ model');
      continue;
    }
    if (
      zero !== undefined &&
      Array.from(zero.data as ArrayLike<number>).some((z) => Number(z) !== 0)
    ) {
      skip('its weight has a nonzero zero point');
      continue;
    }
    if (
      scale.data.length !== 1 &&
      (scale.data.length !== layout.rows || entry.axis !== layout.axis)
    ) {
      skip(`its weight scales (${scale.data.length}) are not one per output row`);
      continue;
    }
    const { qmin, qmax } = QTYPES[qtype];
    sites.push({
      node: entry.node,
      weight: entry.tensor,
      opType: node.opType as AdaroundSite['opType'],
      floatNode: node,
      shape,
      floatInput: node.input[0]!,
      quantInput: target.input[0]!,
      rows: layout.rows,
      k: layout.k,
      groups: layout.groups,
      transposed: layout.transposed,
      scale: Float32Array.from(scale.data as ArrayLike<number>, Number),
      // storeWeight's narrow symmetric grid: int8 [-127, 127].
      qmin: qmin === -128 ? -127 : qmin,
      qmax,
    });
  }
  sites.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
  return { sites, skipped };
}

// Pass: Gather on a constant float32 embedding table [V, D] (axis 0) reads block-quantized rows,
// blocked along D as MatMul weights are along K: 'qdq' writes the standard blocked
// DequantizeLinear (opset 21, axis 1) feeding the Gather; 'matmulnbits' writes onnxruntime's
// GatherBlockQuantized (com.microsoft; packed like MatMulNBits: codes + 2^(bits-1) low nibble
// first, default zero point 2^(bits-1)), which dequantizes only the rows looked up. RTN or HQQ:
// GPTQ and AWQ weigh a MatMul's input activations, which a table lookup does not have.
// Not Gathers along another axis or of computed tables (dynamic-gather.ts does dynamic mode's).
import { quantMetricsFast } from '../kernels/index.js';
import { rawByteLength } from '../onnx/dtypes.js';
import { attr, attrInt, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { blockQuantize, type BlockQuantized } from './weight-only-blocks.js';
import type { AlgorithmSpec } from './weight-only-algorithms.js';
import { hqqQuantize } from './weight-only-hqq.js';
import {
  ensureDomain,
  MS_DOMAIN,
  packMatMulNBits,
  packZeroPoints,
  type QuantizedWeight,
} from './weight-only-matmulnbits.js';
import { dropIfUnused, type SkippedNode } from './weight-only-targets.js';

/** The form a quantized table is read in. */
export type GatherForm = 'qdq' | 'matmulnbits';

/** One Gather whose table can be block-quantized: table f32 [rows, width], gathered on axis 0. */
interface GatherTarget {
  readonly node: Graph['nodes'][number];
  readonly table: string;
  readonly rows: number;
  readonly width: number;
}

/** The Gathers of constant float32 tables [V, D] along axis 0; others are listed as skipped. */
function findGatherTargets(graph: Graph): { targets: GatherTarget[]; skipped: SkippedNode[] } {
  const targets: GatherTarget[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of graph.nodes) {
    if (node.opType !== 'Gather' || !isDefaultDomain(node.domain)) continue;
    const table = node.input[0] ?? '';
    const value = graph.constantValue(table);
    if (value?.dtype !== 'float32' || value.shape.length !== 2) continue;
    const axis = attrInt(node, 'axis', 0);
    if (axis !== 0 && axis !== -2) {
      skipped.push({ node: nodeLabel(node), opType: 'Gather', reason: `axis ${axis}, not 0` });
      continue;
    }
    const [rows = 0, width = 0] = value.shape;
    targets.push({ node, table, rows, width });
  }
  return { targets, skipped };
}

/** The table's rows in blocks along D, by RTN or (algorithm 'hqq') HQQ. */
function quantizeTable(graph: Graph, t: GatherTarget, spec: AlgorithmSpec): BlockQuantized {
  const w = graph.constantValue(t.table)!.data as Float32Array;
  return spec.algorithm === 'hqq'
    ? hqqQuantize(w, t.rows, t.width, spec, t.table, spec.hqq)
    : blockQuantize(w, t.rows, t.width, spec, t.table);
}

/**
 * Block-quantizes every embedding table read by a Gather on axis 0, in `form`. GatherBlockQuantized
 * takes whole blocks only: a table whose width is not a multiple of the block stays float there.
 */
export function quantizeGathers(
  graph: Graph,
  spec: AlgorithmSpec,
  form: GatherForm,
): { done: QuantizedWeight[]; skipped: SkippedNode[] } {
  const { targets, skipped } = findGatherTargets(graph);
  const done: QuantizedWeight[] = [];
  const stored = new Map<string, { inputs: string[]; entry: Omit<QuantizedWeight, 'node'> }>();
  for (const t of targets) {
    if (form === 'matmulnbits' && t.width % spec.blockSize !== 0) {
      const reason = `table width ${t.width} is not a multiple of the block ${spec.blockSize}`;
      skipped.push({ node: nodeLabel(t.node), opType: 'Gather', reason });
      continue;
    }
    let found = stored.get(t.table);
    if (found === undefined) {
      const q = quantizeTable(graph, t, spec);
      const w = graph.constantValue(t.table)!.data as Float32Array;
      const { sqnrDb } = quantMetricsFast(w, q.codes, [q.n, q.k], q.params);
      const table =
        form === 'qdq' ? storeBlockedTable(graph, t, q, spec) : storePacked(graph, t, q, spec);
      const entry = {
        weight: t.table,
        k: t.width,
        n: t.rows,
        padding: 0,
        sqnrDb,
        bytes: table.bytes,
      };
      found = { inputs: table.inputs, entry };
      stored.set(t.table, found);
    }
    const [indices = ''] = t.node.input.slice(1);
    const name = graph.uniqueName(
      `${nodeLabel(t.node)}_${form === 'qdq' ? 'Gather' : 'GatherBlockQuantized'}`,
    );
    graph.removeNode(t.node);
    graph.addNode(
      form === 'qdq'
        ? makeNode({
            opType: 'Gather',
            name,
            inputs: [found.inputs[0]!, indices],
            outputs: [...t.node.output],
          })
        : makeNode({
            opType: 'GatherBlockQuantized',
            domain: MS_DOMAIN,
            name,
            inputs: [found.inputs[0]!, indices, ...found.inputs.slice(1)],
            outputs: [...t.node.output],
            attributes: [
              attr.int('gather_axis', 0),
              attr.int('quantize_axis', 1),
              attr.int('block_size', spec.blockSize),
              attr.int('bits', spec.bits),
            ],
          }),
    );
    done.push({ node: nodeLabel(t.node), ...found.entry });
  }
  for (const t of targets) dropIfUnused(graph, t.table);
  if (form === 'matmulnbits' && done.length > 0) ensureDomain(graph);
  return { done, skipped };
}

/** Codes [V, D] and per-block scales (and zero points) [V, blocks] -> DequantizeLinear(axis 1). */
function storeBlockedTable(
  graph: Graph,
  t: GatherTarget,
  q: BlockQuantized,
  spec: AlgorithmSpec,
): { inputs: string[]; bytes: number } {
  const name = (suffix: string) => graph.uniqueName(`${t.table}_${suffix}`);
  const [quantized, scale, output] = [name('quantized'), name('scale'), name('dequantized')];
  const inputs = [quantized, scale];
  const shape = [t.rows, t.width];
  graph.addInitializer(tensorToProto({ name: quantized, dtype: q.qtype, shape, data: q.codes }));
  const blockShape = [t.rows, q.blocks];
  graph.addInitializer(
    tensorToProto({ name: scale, dtype: 'float32', shape: blockShape, data: q.params.scale }),
  );
  let bytes = rawByteLength(q.qtype, t.rows * t.width) + 4 * q.params.scale.length;
  if (spec.scheme === 'asymmetric') {
    const zeroPoint = name('zero_point');
    const data = q.params.zeroPoint;
    graph.addInitializer(
      tensorToProto({ name: zeroPoint, dtype: q.qtype, shape: blockShape, data }),
    );
    inputs.push(zeroPoint);
    bytes += rawByteLength(q.qtype, data.length);
  }
  graph.addNode(
    makeNode({
      opType: 'DequantizeLinear',
      name: graph.uniqueName(`${t.table}_DequantizeLinear`),
      inputs,
      outputs: [output],
      attributes: [attr.int('axis', 1), attr.int('block_size', spec.blockSize)],
    }),
  );
  return { inputs: [output], bytes };
}

/** GatherBlockQuantized's inputs: packed codes uint8 [V, D * bits / 8], scales, zero points. */
function storePacked(
  graph: Graph,
  t: GatherTarget,
  q: BlockQuantized,
  spec: AlgorithmSpec,
): { inputs: string[]; bytes: number } {
  const name = (suffix: string) => graph.uniqueName(`${t.table}_${suffix}`);
  const data = packMatMulNBits(q, spec.bits, spec.blockSize);
  const inputs = [name(`q${spec.bits}`), name('scales')];
  const shape = [t.rows, data.length / t.rows];
  graph.addInitializer(tensorToProto({ name: inputs[0]!, dtype: 'uint8', shape, data }));
  graph.addInitializer(
    tensorToProto({
      name: inputs[1]!,
      dtype: 'float32',
      shape: [t.rows, q.blocks],
      data: q.params.scale,
    }),
  );
  let bytes = data.length + 4 * q.params.scale.length;
  if (spec.scheme === 'asymmetric') {
    const zp = packZeroPoints(q, spec.bits);
    const zpName = name('zero_points');
    graph.addInitializer(
      tensorToProto({
        name: zpName,
        dtype: 'uint8',
        shape: [t.rows, zp.length / t.rows],
        data: zp,
      }),
    );
    inputs.push(zpName);
    bytes += zp.length;
  }
  return { inputs, bytes };
}

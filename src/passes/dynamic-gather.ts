// Pass: Gather on a float32 embedding table (a constant of rank >= 2, gathered along axis 0)
// reads int8 rows instead: the table quantized per row (symmetric, one scale per row, zero
// point 0), Gather of the codes and of the row scales, Cast, Mul. Only the rows looked up are
// dequantized. Not Gather along other axes, and not tables that are computed at run time.
import { chooseTensorQParams } from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { attr, attrInt, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import type { DynamicEntry } from './dynamic-matmul.js';
import { addFloats } from './dynamic-steps.js';
import { checkFinite } from './weight-only-blocks.js';
import { dropIfUnused, type SkippedNode } from './weight-only-targets.js';

/** Rewrites each Gather whose data is a float32 table of rank >= 2 to per-row int8. */
export function dynamicGather(graph: Graph): { done: DynamicEntry[]; skipped: SkippedNode[] } {
  const done: DynamicEntry[] = [];
  const skipped: SkippedNode[] = [];
  const stored = new Map<string, { codes: string; scale: string }>();
  for (const node of [...graph.nodes]) {
    if (node.opType !== 'Gather' || !isDefaultDomain(node.domain)) continue;
    const [table = '', indices = ''] = node.input;
    const value = graph.constantValue(table);
    if (value?.dtype !== 'float32' || value.shape.length < 2) continue;
    const axis = attrInt(node, 'axis', 0);
    if (axis !== 0 && axis !== -value.shape.length) {
      skipped.push({ node: nodeLabel(node), opType: 'Gather', reason: `axis ${axis}, not 0` });
      continue;
    }
    let found = stored.get(table);
    if (found === undefined) {
      checkFinite(value.data, table);
      const { shape } = value;
      const params = chooseTensorQParams(
        value.data,
        shape,
        { qtype: 'int8', scheme: 'symmetric' },
        { kind: 'per-axis', axis: 0 },
      );
      const codes = graph.uniqueName(`${table}_quantized`);
      const data = quantizeFast(value.data, shape, params);
      graph.addInitializer(tensorToProto({ name: codes, dtype: 'int8', shape, data }));
      // [V, 1, ...]: the gathered scales broadcast over the gathered rows.
      const scaleShape = shape.map((d, i) => (i === 0 ? d : 1));
      found = { codes, scale: addFloats(graph, `${table}_scale`, scaleShape, params.scale) };
      stored.set(table, found);
    }
    const output = node.output[0] ?? '';
    const name = (suffix: string) => graph.uniqueName(`${output}_${suffix}`);
    const [rows, rowsFloat, scales] = [name('rows'), name('rows_float'), name('row_scales')];
    graph.removeNode(node);
    const gather = (inputs: string[], out: string) =>
      graph.addNode(makeNode({ opType: 'Gather', name: name('Gather'), inputs, outputs: [out] }));
    gather([found.codes, indices], rows);
    gather([found.scale, indices], scales);
    graph.addNode(
      makeNode({
        opType: 'Cast',
        name: name('Cast'),
        inputs: [rows],
        outputs: [rowsFloat],
        attributes: [attr.int('to', T.FLOAT)],
      }),
    );
    graph.addNode(
      makeNode({
        opType: 'Mul',
        name: name('Mul'),
        inputs: [rowsFloat, scales],
        outputs: [output],
      }),
    );
    dropIfUnused(graph, table);
    done.push({ node: nodeLabel(node), opType: 'Gather', form: 'Gather int8 rows', weight: table });
  }
  return { done, skipped };
}

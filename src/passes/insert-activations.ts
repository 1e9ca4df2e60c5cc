// QuantizeLinear -> DequantizeLinear for activations: one QuantizeLinear per planned tensor, one
// DequantizeLinear its readers share (onnxruntime's EnsureUniqueDQForNodeUnit copies it per
// consumer before fusing), and DequantizeLinears at a multiple of the scale (and a shifted zero
// point) for tensors a folded Mul/Div/Add/Sub derives. Nothing is added that nothing reads.
// Not parameter choice (insert-qdq.ts).
import { fail, type QType } from '../core/index.js';
import { makeNode } from '../onnx/graph-node.js';
import type { Graph, Use } from '../onnx/graph.js';
import { shiftedZeroPoint } from './offset-residual.js';
import { addScale, addZeroPoint, qdqName, quantizedActivationName } from './qdq-names.js';
import type { QuantPlan } from './plan-types.js';

/** Scale and zero point chosen for one group, in plan.groups order. */
export interface ChosenParams {
  readonly qtype: QType;
  readonly scale: number;
  readonly zeroPoint: number;
}

/** Adds a DequantizeLinear of `inputs`; the reads of `tensor` that `redirect` picks read it. */
function dequantize(
  graph: Graph,
  tensor: string,
  inputs: string[],
  redirect: (use: Use) => boolean,
): void {
  const output = qdqName(graph, tensor, 'dequantized');
  graph.replaceUses(tensor, output, redirect);
  graph.addNode(makeNode({ opType: 'DequantizeLinear', inputs, outputs: [output] }));
}

/**
 * Inserts the pairs of every group and the scaled DequantizeLinears (`scaleOf`: the scale of
 * every planned and scaled tensor). `integer(node key)` says whether a node runs on integers:
 * its reads of a planned tensor go through the DequantizeLinear, and so do all reads of a
 * tensor such a node produced (onnxruntime fuses a node only when QuantizeLinear nodes alone
 * read its output; float readers of a float-produced tensor keep the exact float value).
 * Returns how many QuantizeLinear nodes it added.
 */
export function insertActivations(
  graph: Graph,
  plan: QuantPlan,
  params: readonly ChosenParams[],
  scaleOf: ReadonlyMap<string, number>,
  integer: (key: string) => boolean,
): number {
  const sources = new Set(
    plan.scaled.filter((s) => graph.uses(s.tensor).length > 0).map((s) => s.from),
  );
  const quantizedAs = new Map<string, { quantized: string; zeroPoint: string; p: ChosenParams }>();
  let pairs = 0;
  plan.groups.forEach((group, i) => {
    const p = params[i]!;
    let names: { scale: string; zeroPoint: string } | undefined;
    for (const tensor of group.tensors) {
      const producer = graph.producer(tensor);
      const fromInteger = producer !== undefined && integer(producer.output[0] ?? '');
      const redirect = (use: Use) => fromInteger || integer(use.node.output[0] ?? '');
      const read = graph.uses(tensor).some(redirect);
      if (!read && !sources.has(tensor)) continue;
      names ??= {
        scale: addScale(graph, [p.scale]),
        zeroPoint: addZeroPoint(graph, p.qtype, [p.zeroPoint]),
      };
      const quantized = quantizedActivationName(graph);
      const q = graph.addNode(
        makeNode({
          opType: 'QuantizeLinear',
          inputs: [tensor, names.scale, names.zeroPoint],
          outputs: [quantized],
        }),
      );
      if (read) {
        const inputs = [quantized, names.scale, names.zeroPoint];
        dequantize(graph, tensor, inputs, (use) => use.node !== q && redirect(use));
      }
      quantizedAs.set(tensor, { quantized, zeroPoint: names.zeroPoint, p });
      pairs++;
    }
  });
  for (const s of plan.scaled) {
    if (graph.uses(s.tensor).length === 0) continue;
    const source = quantizedAs.get(s.from) ?? fail('bad-argument', `'${s.from}' is not quantized`);
    const scale = scaleOf.get(s.tensor) ?? fail('bad-argument', `'${s.tensor}' has no scale`);
    const scaleName = addScale(graph, [scale]);
    const zeroPoint =
      s.offset === 0
        ? source.zeroPoint
        : addZeroPoint(graph, source.p.qtype, [shiftedZeroPoint(source.p, s.offset, scale)]);
    dequantize(graph, s.tensor, [source.quantized, scaleName, zeroPoint], () => true);
  }
  return pairs;
}

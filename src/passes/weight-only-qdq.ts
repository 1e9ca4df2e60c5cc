// Pass: MatMul and Gemm with a constant weight read it through a blocked DequantizeLinear, the
// standard ONNX form (Operators.md, DequantizeLinear-21: `block_size` along `axis`, scale of
// shape ceil(K / block_size) there, the last block partial): W stored as int4/int8 (symmetric,
// no zero point) or uint4/uint8 with a zero point per block, [K, N] blocked along axis 0.
// Needs opset 21+; onnxruntime fuses DequantizeLinear -> MatMul into MatMulNBits when it loads.
import { fail } from '../core/index.js';
import { quantMetricsFast } from '../kernels/index.js';
import { rawByteLength } from '../onnx/dtypes.js';
import { attr, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { defaultOpset } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { quantizeWeightBlocks, type AlgorithmSpec } from './weight-only-algorithms.js';
import { transpose } from './weight-only-blocks.js';
import type { QuantizedWeight } from './weight-only-matmulnbits.js';
import { replaceTarget, weightMatrix, type WeightTarget } from './weight-only-targets.js';

/** The first opset whose DequantizeLinear takes block_size and int4/uint4. */
export const BLOCKED_DQ_OPSET = 21;

/** Replaces each target by DequantizeLinear (blocked) -> MatMul (plus an Add for Gemm's C). */
export function toBlockedDequantize(
  graph: Graph,
  targets: readonly WeightTarget[],
  spec: AlgorithmSpec,
): QuantizedWeight[] {
  const opset = defaultOpset(graph.model);
  if (targets.length > 0 && opset < BLOCKED_DQ_OPSET) {
    fail('bad-model', `blocked DequantizeLinear needs opset ${BLOCKED_DQ_OPSET}; this is ${opset}`);
  }
  const stored = new Map<string, { output: string; entry: Omit<QuantizedWeight, 'node'> }>();
  const done: QuantizedWeight[] = [];
  for (const target of targets) {
    const key = `${target.weight}|${target.layout}|${target.alpha}`;
    let found = stored.get(key);
    if (found === undefined) {
      const { k, n } = target;
      const w = weightMatrix(graph, target);
      const q = quantizeWeightBlocks(w, target, spec);
      const name = (suffix: string) => graph.uniqueName(`${target.weight}_${suffix}`);
      const dtype = q.qtype;
      const quantized = name('quantized');
      const scale = name('scale');
      const inputs = [quantized, scale];
      graph.addInitializer(
        tensorToProto({ name: quantized, dtype, shape: [k, n], data: transpose(q.codes, n, k) }),
      );
      const scales = transpose(q.params.scale, n, q.blocks);
      graph.addInitializer(
        tensorToProto({ name: scale, dtype: 'float32', shape: [q.blocks, n], data: scales }),
      );
      let bytes = rawByteLength(dtype, k * n) + 4 * scales.length;
      if (spec.scheme === 'asymmetric') {
        const zeroPoint = name('zero_point');
        const data = transpose(q.params.zeroPoint, n, q.blocks);
        graph.addInitializer(tensorToProto({ name: zeroPoint, dtype, shape: [q.blocks, n], data }));
        inputs.push(zeroPoint);
        bytes += rawByteLength(dtype, data.length);
      }
      const output = name('dequantized');
      graph.addNode(
        makeNode({
          opType: 'DequantizeLinear',
          name: graph.uniqueName(`${target.weight}_DequantizeLinear`),
          inputs,
          outputs: [output],
          attributes: [attr.int('axis', 0), attr.int('block_size', spec.blockSize)],
        }),
      );
      const { sqnrDb } = quantMetricsFast(w, q.codes, [n, k], q.params);
      found = { output, entry: { weight: target.weight, k, n, padding: q.padding, sqnrDb, bytes } };
      stored.set(key, found);
    }
    const { output, entry } = found;
    replaceTarget(graph, target, (product) => {
      graph.addNode(
        makeNode({
          opType: 'MatMul',
          name: graph.uniqueName(`${nodeLabel(target.node)}_MatMul`),
          inputs: [target.activation, output],
          outputs: [product],
        }),
      );
    });
    done.push({ node: nodeLabel(target.node), ...entry });
  }
  return done;
}

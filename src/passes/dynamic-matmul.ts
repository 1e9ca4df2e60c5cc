// Pass: MatMul and Gemm with a constant weight become ONNX's dynamic integer form:
// DynamicQuantizeLinear(A) -> MatMulInteger(A uint8, W int8 [K, N]) -> Cast -> Mul by
// a_scale x w_scale[N], with W quantized ahead per output channel (symmetric, zero point 0);
// onnxruntime fuses the chain into DynamicQuantizeMatMul. Gemm's C is added in float after.
// Not MatMuls of two activations (left float, listed by findWeightTargets).
import { chooseTensorQParams, type QType } from '../core/index.js';
import { quantizeFast } from '../kernels/index.js';
import { makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import { addFloats, dynamicInput, rescale, type DynamicCache } from './dynamic-steps.js';
import { checkFinite, transpose } from './weight-only-blocks.js';
import { replaceTarget, weightMatrix, type WeightTarget } from './weight-only-targets.js';

/** A node the dynamic passes rewrote. */
export interface DynamicEntry {
  readonly node: string;
  readonly opType: string;
  /** The integer op it now runs: MatMulInteger, ConvInteger, or Gather of int8 rows. */
  readonly form: string;
  readonly weight: string;
}

/** The weight's integer type: int8 (u8 x s8 kernels, the default) or uint8 (zero point 128). */
export type DynamicWeightType = 'int8' | 'uint8';

/** Per-channel symmetric codes of w: f32 [N, K] -> qtype [K, N], and scales f32 [N]. */
export function quantizeColumns(
  w: Float32Array,
  n: number,
  k: number,
  qtype: QType,
): { codes: ArrayLike<number>; scale: Float32Array; zeroPoint: number } {
  const params = chooseTensorQParams(
    w,
    [n, k],
    { qtype, scheme: 'symmetric' },
    { kind: 'per-axis', axis: 0 },
  );
  const codes = transpose(quantizeFast(w, [n, k], params), n, k);
  return { codes, scale: params.scale, zeroPoint: params.zeroPoint[0] ?? 0 };
}

/** Rewrites each target to MatMulInteger between dynamic uint8 activations and int8 weights. */
export function dynamicMatMul(
  graph: Graph,
  targets: readonly WeightTarget[],
  cache: DynamicCache,
  weightType: DynamicWeightType = 'int8',
): DynamicEntry[] {
  const stored = new Map<string, { inputs: string[]; scale: string }>();
  const done: DynamicEntry[] = [];
  for (const target of targets) {
    const { k, n } = target;
    const key = `${target.weight}|${target.layout}|${target.alpha}`;
    let found = stored.get(key);
    if (found === undefined) {
      const w = weightMatrix(graph, target);
      checkFinite(w, target.weight);
      const q = quantizeColumns(w, n, k, weightType);
      const quantized = graph.uniqueName(`${target.weight}_quantized`);
      graph.addInitializer(
        tensorToProto({ name: quantized, dtype: weightType, shape: [k, n], data: q.codes }),
      );
      const inputs = [quantized];
      if (q.zeroPoint !== 0) {
        // Operators.md, MatMulInteger-10: b_zero_point a scalar or one per column N.
        const zeroPoint = graph.uniqueName(`${target.weight}_zero_point`);
        const data = [q.zeroPoint];
        graph.addInitializer(
          tensorToProto({ name: zeroPoint, dtype: weightType, shape: [], data }),
        );
        inputs.push(zeroPoint);
      }
      const scale = addFloats(graph, `${target.weight}_scale`, [n], q.scale);
      found = { inputs, scale };
      stored.set(key, found);
    }
    const { inputs, scale } = found;
    const a = dynamicInput(graph, cache, target.activation);
    replaceTarget(graph, target, (product) => {
      const accumulator = graph.uniqueName(`${product}_int32`);
      const [weight, zeroPoint] = inputs;
      graph.addNode(
        makeNode({
          opType: 'MatMulInteger',
          name: graph.uniqueName(`${nodeLabel(target.node)}_MatMulInteger`),
          inputs: [
            a.quantized,
            weight!,
            a.zeroPoint,
            ...(zeroPoint === undefined ? [] : [zeroPoint]),
          ],
          outputs: [accumulator],
        }),
      );
      rescale(graph, accumulator, a.scale, scale, product);
    });
    done.push({
      node: nodeLabel(target.node),
      opType: target.node.opType,
      form: 'MatMulInteger',
      weight: target.weight,
    });
  }
  return done;
}

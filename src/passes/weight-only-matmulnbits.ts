// Pass: MatMul and Gemm with a constant weight become onnxruntime's MatMulNBits (com.microsoft,
// opset 1; onnxruntime docs/ContribOperators.md): B uint8 [N, k_blocks, blob_size] holds the
// weight transposed to [N, K], blocked along K, codes packed low bits first; scales f32
// [N, k_blocks]; asymmetric blocks add packed uint8 zero points, symmetric ones use the default
// 2^(bits-1). Runs in onnxruntime only: weight-only-qdq.ts writes the standard ONNX form.
import { create } from '@bufbuild/protobuf';
import { quantMetricsFast } from '../kernels/index.js';
import { OperatorSetIdProtoSchema } from '../onnx/gen/onnx_pb.js';
import { attr, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';
import { quantizeWeightBlocks, type AlgorithmSpec } from './weight-only-algorithms.js';
import type { BlockQuantized } from './weight-only-blocks.js';
import { replaceTarget, weightMatrix, type WeightTarget } from './weight-only-targets.js';

/** The contrib-op domain MatMulNBits lives in. */
export const MS_DOMAIN = 'com.microsoft';

/** Block spec (and algorithm) plus MatMulNBits' accuracy_level (0 unset/fp32 ... 4 int8 activations). */
export interface WeightOnlyOptions extends AlgorithmSpec {
  readonly accuracyLevel?: number;
}

/** One weight the pass quantized, for the report. */
export interface QuantizedWeight {
  readonly node: string;
  readonly weight: string;
  readonly k: number;
  readonly n: number;
  /** Zeros appended to each row of K to fill the last block. */
  readonly padding: number;
  readonly sqnrDb: number;
  /** Bytes of the stored codes, scales and zero points. */
  readonly bytes: number;
}

/**
 * B: uint8 [N, blocks, blockSize * bits / 8], unsigned codes (signed + 2^(bits-1)), two 4-bit
 * codes per byte low nibble first; the padding of the last block holds the block's zero point.
 */
export function packMatMulNBits(q: BlockQuantized, bits: 4 | 8, blockSize: number): Uint8Array {
  const { n, k, blocks, codes, params } = q;
  const offset = q.qtype === 'int4' || q.qtype === 'int8' ? 2 ** (bits - 1) : 0;
  const rowBytes = (blocks * blockSize * bits) / 8;
  const out = new Uint8Array(n * rowBytes);
  for (let row = 0; row < n; row++) {
    for (let i = 0; i < blocks * blockSize; i++) {
      const zero = (params.zeroPoint[row * blocks + Math.floor(i / blockSize)] as number) + offset;
      const u = i < k ? (codes[row * k + i] as number) + offset : zero;
      if (bits === 8) out[row * rowBytes + i] = u;
      else out[row * rowBytes + (i >> 1)]! |= u << ((i & 1) * 4);
    }
  }
  return out;
}

/** Zero points: uint8 [N, ceil(blocks * bits / 8)], packed like B (4-bit: two per byte). */
export function packZeroPoints(q: BlockQuantized, bits: 4 | 8): Uint8Array {
  const { n, blocks, params } = q;
  const rowBytes = Math.ceil((blocks * bits) / 8);
  const out = new Uint8Array(n * rowBytes);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const z = params.zeroPoint[row * blocks + b] as number;
      if (bits === 8) out[row * rowBytes + b] = z;
      else out[row * rowBytes + (b >> 1)]! |= z << ((b & 1) * 4);
    }
  }
  return out;
}

/** Adds the com.microsoft opset import when the model has none. */
export function ensureDomain(graph: Graph): void {
  const imports = graph.model.opsetImport;
  if (!imports.some((o) => o.domain === MS_DOMAIN)) {
    imports.push(create(OperatorSetIdProtoSchema, { domain: MS_DOMAIN, version: 1n }));
  }
}

/** Replaces each target by a MatMulNBits node (plus an Add for Gemm's C); returns what it did. */
export function toMatMulNBits(
  graph: Graph,
  targets: readonly WeightTarget[],
  options: WeightOnlyOptions,
): QuantizedWeight[] {
  const { bits, blockSize } = options;
  const stored = new Map<string, { inputs: string[]; entry: Omit<QuantizedWeight, 'node'> }>();
  const done: QuantizedWeight[] = [];
  for (const target of targets) {
    const key = `${target.weight}|${target.layout}|${target.alpha}`;
    let found = stored.get(key);
    if (found === undefined) {
      const w = weightMatrix(graph, target);
      const q = quantizeWeightBlocks(w, target, options);
      const name = (suffix: string) => graph.uniqueName(`${target.weight}_${suffix}`);
      const b = packMatMulNBits(q, bits, blockSize);
      const inputs = [name(`q${bits}`), name('scales')];
      const blob = (blockSize * bits) / 8;
      graph.addInitializer(
        tensorToProto({ name: inputs[0]!, dtype: 'uint8', shape: [q.n, q.blocks, blob], data: b }),
      );
      const scales = { name: inputs[1]!, dtype: 'float32' as const, shape: [q.n, q.blocks] };
      graph.addInitializer(tensorToProto({ ...scales, data: q.params.scale }));
      let bytes = b.length + 4 * q.params.scale.length;
      if (options.scheme === 'asymmetric') {
        const zp = packZeroPoints(q, bits);
        const zpName = name('zero_points');
        const shape = [q.n, zp.length / q.n];
        graph.addInitializer(tensorToProto({ name: zpName, dtype: 'uint8', shape, data: zp }));
        inputs.push(zpName);
        bytes += zp.length;
      }
      const { sqnrDb } = quantMetricsFast(w, q.codes, [q.n, q.k], q.params);
      const { k, n } = target;
      found = { inputs, entry: { weight: target.weight, k, n, padding: q.padding, sqnrDb, bytes } };
      stored.set(key, found);
    }
    const { inputs, entry } = found;
    replaceTarget(graph, target, (product) => {
      graph.addNode(
        makeNode({
          opType: 'MatMulNBits',
          domain: MS_DOMAIN,
          name: graph.uniqueName(`${nodeLabel(target.node)}_MatMulNBits`),
          inputs: [target.activation, ...inputs],
          outputs: [product],
          attributes: [
            attr.int('K', target.k),
            attr.int('N', target.n),
            attr.int('bits', bits),
            attr.int('block_size', blockSize),
            attr.int('accuracy_level', options.accuracyLevel ?? 0),
          ],
        }),
      );
    });
    done.push({ node: nodeLabel(target.node), ...entry });
  }
  if (targets.length > 0) ensureDomain(graph);
  return done;
}

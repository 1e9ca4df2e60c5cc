// Reads back the quantization parameters a QDQ model stores: for every QuantizeLinear (an
// activation) and every DequantizeLinear of an initializer (a weight), its scale and zero point
// by the tensor it quantizes, so tests can compare two models' plans and ranges. Test-only.
import { readModel } from '../../src/onnx/model.js';
import { tensorFromProto } from '../../src/onnx/tensor.js';

/** One tensor's parameters: per tensor (one value) or per channel. */
export interface StoredParams {
  readonly kind: 'activation' | 'weight';
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

/** Parameters by quantized tensor name: QuantizeLinear inputs and dequantized initializers. */
export function qdqParams(bytes: Uint8Array): Map<string, StoredParams> {
  const graph = readModel(bytes).graph!;
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const values = (name: string | undefined): number[] => {
    const proto = initializers.get(name ?? '');
    return proto === undefined ? [] : Array.from(tensorFromProto(proto).data, Number);
  };
  const params = new Map<string, StoredParams>();
  for (const node of graph.node) {
    const [x, scale, zeroPoint] = node.input;
    const weight = node.opType === 'DequantizeLinear' && initializers.has(x ?? '');
    if (node.opType !== 'QuantizeLinear' && !weight) continue;
    params.set(x!, {
      kind: weight ? 'weight' : 'activation',
      scale: values(scale),
      zeroPoint: values(zeroPoint),
    });
  }
  return params;
}

/** The largest relative difference of two models' scales, and what differs in structure. */
export function compareParams(
  a: ReadonlyMap<string, StoredParams>,
  b: ReadonlyMap<string, StoredParams>,
): {
  onlyA: string[];
  onlyB: string[];
  worstScale: number;
  worstTensor: string;
  zeroPointSteps: number;
} {
  const onlyA = [...a.keys()].filter((k) => !b.has(k));
  const onlyB = [...b.keys()].filter((k) => !a.has(k));
  let worstScale = 0;
  let worstTensor = '';
  let zeroPointSteps = 0;
  for (const [name, p] of a) {
    const q = b.get(name);
    if (q === undefined) continue;
    for (let i = 0; i < Math.max(p.scale.length, q.scale.length); i++) {
      const x = p.scale[i] ?? NaN;
      const y = q.scale[i] ?? NaN;
      const rel = x === y ? 0 : Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
      if (!(rel <= worstScale)) {
        worstScale = rel;
        worstTensor = name;
      }
      zeroPointSteps = Math.max(
        zeroPointSteps,
        Math.abs((p.zeroPoint[i] ?? 0) - (q.zeroPoint[i] ?? 0)),
      );
    }
  }
  return { onlyA, onlyB, worstScale, worstTensor, zeroPointSteps };
}

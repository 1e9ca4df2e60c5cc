// Reads back what a QDQ model stores: the zero point of every QuantizeLinear, with its element
// type, so tests can check the activation storage a recipe chose. Test-only.
import { readModel } from '../../src/onnx/model.js';
import { tensorFromProto } from '../../src/onnx/tensor.js';

/** One QuantizeLinear's zero point: node name, element type and values. */
export interface ZeroPoint {
  readonly node: string;
  readonly dtype: string;
  readonly values: readonly number[];
}

/** The zero points of every QuantizeLinear node of `bytes`, in graph order. */
export function quantizeZeroPoints(bytes: Uint8Array): ZeroPoint[] {
  const graph = readModel(bytes).graph!;
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  return graph.node
    .filter((n) => n.opType === 'QuantizeLinear')
    .map((n) => {
      const proto = initializers.get(n.input[2] ?? '');
      if (proto === undefined) throw new Error(`QuantizeLinear ${n.name} has no zero point`);
      const t = tensorFromProto(proto);
      return { node: n.name, dtype: t.dtype, values: Array.from(t.data, Number) };
    });
}

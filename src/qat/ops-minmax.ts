// Max and Min of two inputs with broadcasting (Operators.md Max-13/Min-13), with gradients as
// PyTorch's maximum/minimum: to the larger (smaller) operand, half to each at a tie. For
// openWakeWord's embedding model (tf.math.maximum). Its own file beside ops-binary.ts, whose
// loops are area E's. Not the variadic form beyond two inputs.
import { fail } from '../core/index.js';
import { broadcastShapes, expandTo, reduceTo } from './broadcast.js';
import type { DiffOp } from './diff-op.js';
import { allocFloat, floatInput, tensor, type GraphNode, type QTensor } from './tensor.js';

interface Saved {
  readonly a: QTensor;
  readonly b: QTensor;
  readonly ea: Float32Array;
  readonly eb: Float32Array;
  readonly out: readonly number[];
}

function extremumOp(larger: boolean): DiffOp {
  const pick = (x: number, y: number) => (larger ? x >= y : x <= y);
  return {
    forward(inputs, node: GraphNode) {
      if (inputs.length !== 2) {
        fail(
          'unsupported-op',
          `${node.opType} '${node.name}' has ${inputs.length} inputs; QAT takes two`,
          {
            node: node.name,
          },
        );
      }
      const a = floatInput(inputs, 0, node);
      const b = floatInput(inputs, 1, node);
      const out = broadcastShapes([a.shape, b.shape], node);
      const ea = expandTo(a.data, a.shape, out);
      const eb = expandTo(b.data, b.shape, out);
      const y = allocFloat(ea.length);
      for (let i = 0; i < y.length; i++) y[i] = pick(ea[i]!, eb[i]!) ? ea[i]! : eb[i]!;
      const saved: Saved = { a, b, ea, eb, out };
      return { outputs: [tensor(out, y)], saved };
    },
    backward(gradOutputs, saved, _node, needs) {
      const g = gradOutputs[0];
      if (g === undefined) return [undefined, undefined];
      const { a, b, ea, eb, out } = saved as Saved;
      const ga = allocFloat(g.data.length);
      const gb = allocFloat(g.data.length);
      for (let i = 0; i < ga.length; i++) {
        const share = ea[i] === eb[i] ? 0.5 : pick(ea[i]!, eb[i]!) ? 1 : 0;
        ga[i] = g.data[i]! * share;
        gb[i] = g.data[i]! * (ea[i] === eb[i] ? 0.5 : 1 - share);
      }
      return [
        needs[0] === true ? tensor(a.shape, reduceTo(ga, out, a.shape)) : undefined,
        needs[1] === true ? tensor(b.shape, reduceTo(gb, out, b.shape)) : undefined,
      ];
    },
  };
}

/** Max and Min by ONNX op type. */
export const MINMAX_OPS: readonly (readonly [string, DiffOp])[] = [
  ['Max', extremumOp(true)],
  ['Min', extremumOp(false)],
];

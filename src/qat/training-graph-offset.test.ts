// The training graph of a model whose Add of a scalar folded into a shifted zero point
// (plan-folds.ts): its forward pass still agrees with the QDQ model in onnxruntime, so the
// shifted DequantizeLinear became the shared FakeQuant plus the offset it reads.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { convInputs } from '../../test/helpers/conv-chain.js';
import { attr } from '../onnx/graph-node.js';
import { gaussian } from '../observers/test-data.js';
import { runStaticRecipe } from '../ptq/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import { Sqnr } from './distill-loss.js';
import { compileTrainingGraph } from './executor.js';
import { tensor } from './tensor.js';
import { trainingGraphOf } from './training-graph.js';

/** x [N, 3, 8, 8] -> Conv -> c x c -> Add(0.37) -> Conv -> y, both convs 3x3 with biases. */
function convOffsetConv(): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', ['N', 3, 8, 8]);
  const pads = [attr.ints('pads', [1, 1, 1, 1])];
  const conv = (input: string, layer: number, inputs: number) =>
    b.op(
      'Conv',
      [
        input,
        b.initializer(
          `w${layer}`,
          'float32',
          [4, inputs, 3, 3],
          gaussian(36 * inputs, 40 + layer, 0.3),
        ),
        b.initializer(`b${layer}`, 'float32', [4], gaussian(4, 50 + layer, 0.1)),
      ],
      pads,
    );
  const first = conv(x, 0, 3);
  const squared = b.op('Mul', [first, first]);
  const shifted = b.op('Add', [squared, b.initializer('c', 'float32', [], [0.37])]);
  b.output(conv(shifted, 1, 4), 'float32', ['N', 4, 8, 8]);
  return b.bytes({ opset: 13 });
}

describe('buildTrainingGraph with a folded offset', () => {
  it('agrees with the QDQ model in onnxruntime', async () => {
    const model = convOffsetConv();
    const ptq = await runStaticRecipe(model, convInputs(8, 100));
    expect(ptq.plan.scaled.map((s) => s.offset)).toEqual([Math.fround(0.37)]);
    const training = trainingGraphOf(ptq);
    const program = compileTrainingGraph(training.graph, new Set());
    const session = await createSession(ptq.bytes);
    const sqnr = new Sqnr();
    for (const feeds of convInputs(4, 500)) {
      const x = feeds.x!;
      const ours = program.forward({ x: tensor(x.dims, x.data as Float32Array) }, { tape: false });
      const name = program.outputNames[0]!;
      const theirs = await session.run(feeds);
      sqnr.add(ours.outputs[name]!.data, theirs[name]!.data as Float32Array);
    }
    await session.release();
    // Float summation order only; without the offset the two differ by 0.37 x the weights.
    expect(sqnr.db).toBeGreaterThan(80);
  });
});

// The training graph computes what the PTQ model computes in onnxruntime: on a conv chain its
// forward pass (fp32 weights through FakeQuant, activations' FakeQuant, float biases) agrees
// with the QDQ model's output, and it has one FakeQuant per weight and per activation pair.
import { describe, expect, it } from 'vitest';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { prepareBuild, runStaticRecipe } from '../ptq/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import { Sqnr } from './distill-loss.js';
import { compileTrainingGraph } from './executor.js';
import { tensor } from './tensor.js';
import { buildTrainingGraph } from './training-graph.js';

describe('buildTrainingGraph', () => {
  it('agrees with the QDQ model in onnxruntime and lists every learnable value', async () => {
    const model = convChain();
    const ptq = await runStaticRecipe(model, convInputs(8, 100));
    const { prepared, options } = ptq.build;
    const training = buildTrainingGraph(ptq.bytes, prepareBuild(prepared, options).graph, ptq.plan);
    const ops = training.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear' || o === 'DequantizeLinear')).toEqual([]);
    expect(training.weights.size).toBe(3);
    expect(training.biases).toHaveLength(3);
    expect(ops.filter((o) => o === 'FakeQuant').length).toBe(3 + training.activations.length);
    const program = compileTrainingGraph(training.graph, new Set());
    const session = await createSession(ptq.bytes);
    const teacher = await createSession(model);
    const sqnr = new Sqnr();
    const fp32 = new Sqnr();
    for (const feeds of convInputs(4, 500)) {
      const x = feeds.x!;
      const ours = program.forward({ x: tensor(x.dims, x.data as Float32Array) }, { tape: false });
      const name = program.outputNames[0]!;
      const theirs = await session.run(feeds);
      sqnr.add(ours.outputs[name]!.data, theirs[name]!.data as Float32Array);
      const float = await teacher.run(feeds);
      fp32.add(float[name]!.data as Float32Array, theirs[name]!.data as Float32Array);
    }
    await session.release();
    await teacher.release();
    // Only the int32 bias rounding and float summation order differ: 146 dB here against fp32's 35 dB.
    expect(sqnr.db).toBeGreaterThan(fp32.db + 20);
  });
});

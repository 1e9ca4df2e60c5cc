// The training graph computes what the PTQ model computes in onnxruntime: on a conv chain its
// forward pass (fp32 weights through FakeQuant, activations' FakeQuant, float biases) agrees
// with the QDQ model's output, and it has one FakeQuant per weight and per activation pair.
import { describe, expect, it } from 'vitest';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { runStaticRecipe } from '../ptq/index.js';
import { createSession } from '../runtime/onnxruntime.js';
import { Sqnr } from './distill-loss.js';
import { compileTrainingGraph } from './executor.js';
import { tensor } from './tensor.js';
import { weightGridRates } from './learned.js';
import { trainingGraphOf } from './training-graph.js';
import { buildGraph, readModel } from '../onnx/index.js';

describe('buildTrainingGraph', () => {
  it('agrees with the QDQ model in onnxruntime and lists every learnable value', async () => {
    const model = convChain();
    const ptq = await runStaticRecipe(model, convInputs(8, 100));
    const training = trainingGraphOf(ptq);
    const ops = training.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear' || o === 'DequantizeLinear')).toEqual([]);
    expect(training.weights.size).toBe(3);
    expect(training.biases).toHaveLength(3);
    // A FakeQuant per weight, per bias (int32 at s_in x s_w) and per activation pair.
    expect(ops.filter((o) => o === 'FakeQuant').length).toBe(6 + training.activations.length);
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
    // Only float summation order differs: 146 dB here against fp32's 35 dB.
    expect(sqnr.db).toBeGreaterThan(fp32.db + 20);
  });

  it('gives each bias the int32 value the QDQ model stores, at the product of its scales', async () => {
    // Issue 12: a float bias differed from storeBias's int32 rounding by up to 0.0034 on the
    // recognizer's depthwise convs, enough to flip one line's output from 50 dB to 10 dB.
    const ptq = await runStaticRecipe(convChain(), convInputs(8, 100));
    const training = trainingGraphOf(ptq);
    const qdq = buildGraph(readModel(ptq.bytes));
    const stored = ptq.plan.constants
      .filter((c) => c.role === 'bias')
      .map((c) => qdq.producer(qdq.producer(c.node)!.input[c.input]!)!);
    expect(stored).toHaveLength(3);
    const names = stored.map((dq) => dq.output[0]!);
    const program = compileTrainingGraph(training.graph, new Set(training.biases), {
      outputs: names,
    });
    const x = convInputs(1, 500)[0]!.x!;
    const pass = program.forward({ x: tensor(x.dims, x.data as Float32Array) }, { tape: false });
    for (const dq of stored) {
      const q = qdq.constantValue(dq.input[0]!)!.data as Int32Array;
      const s = qdq.constantValue(dq.input[1]!)!.data as Float32Array;
      const want = Float32Array.from(q, (v, i) => v * s[s.length === 1 ? 0 : i]!);
      const bias = training.graph.producer(dq.output[0]!)!.input[0]!;
      expect(Array.from(pass.outputs[dq.output[0]!]!.data)).toEqual(Array.from(want));
      // The float bias itself is not on that grid, so the rounding is what is tested.
      expect(Array.from(program.params.get(bias)!.data)).not.toEqual(Array.from(want));
    }
  });

  it("weightGridRates: each weight value's rate is its channel's scale over the median weight scale", async () => {
    const ptq = await runStaticRecipe(convChain(), convInputs(8, 100));
    const training = trainingGraphOf(ptq);
    const program = compileTrainingGraph(training.graph, new Set(training.weights.keys()));
    const rates = weightGridRates(training, program);
    const scales = [...training.weights.values()].map(
      (name) => training.graph.constantValue(name)!.data as Float32Array,
    );
    const median = scales.flatMap((s) => [...s]).sort((a, b) => a - b)[6]!;
    [...training.weights.keys()].forEach((weight, layer) => {
      const r = rates.get(weight)!;
      const perChannel = r.length / 4; // [4, C, 3, 3], per axis 0
      for (let c = 0; c < 4; c++)
        expect(r[c * perChannel + perChannel - 1]).toBeCloseTo(scales[layer]![c]! / median, 6);
    });
  });
});

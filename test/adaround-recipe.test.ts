// AdaRound end to end (issue 12): the written model holds exactly the codes the layer-wise
// optimisation chose (every Conv, grouped/depthwise and MatMul weight read back from the QDQ
// model), at PTQ's scales, with the same nodes as PTQ, and the same inputs give the same bytes;
// keeping PTQ writes the PTQ of all the batches, as a static run on them.
import { describe, expect, it } from 'vitest';
import { buildGraph, readModel, writeModel } from '../src/onnx/index.js';
import { gaussian } from '../src/observers/test-data.js';
import type { Feeds } from '../src/ptq/index.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import { runAdaroundRecipe } from '../src/qat/adaround-recipe.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { depthwiseBlock } from './helpers/depthwise-block.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';

/** Codes [rows, k] of each rounded weight as stored in `bytes` (rows are MatMul columns). */
function storedCodes(
  bytes: Uint8Array,
  nodes: readonly { node: string; rows: number; k: number }[],
) {
  const graph = buildGraph(readModel(bytes));
  return nodes.map(({ node, rows, k }) => {
    const target = graph.producer(node)!;
    const dq = graph.producer(target.input[1]!)!;
    const q = graph.constantValue(dq.input[0]!)!.data as Int8Array;
    if (target.opType !== 'MatMul') return Array.from(q);
    return Array.from({ length: rows * k }, (_, i) => q[(i % k) * rows + Math.floor(i / k)]!);
  });
}

function blockFeeds(count: number, seed: number): Feeds[] {
  return Array.from({ length: count }, (_, i) => ({
    x: { type: 'float32', dims: [1, 4, 8, 8], data: gaussian(256, seed + i) },
  }));
}

describe('runAdaroundRecipe', () => {
  const cases = [
    { name: 'conv chain', model: convChain(), train: convInputs(8, 100), held: convInputs(4, 200) },
    {
      name: 'depthwise block',
      model: writeModel(depthwiseBlock()),
      train: blockFeeds(8, 100),
      held: blockFeeds(4, 200),
    },
    {
      name: 'tiny transformer',
      model: tinyTransformer(),
      train: tinyTransformerFeeds(6, 1, 3),
      held: tinyTransformerFeeds(3, 1, 9),
    },
  ];
  for (const c of cases) {
    it(`writes exactly the learned codes (${c.name})`, async () => {
      const settings = { iterations: 60, layersPerPass: 2 };
      // The plain QDQ graph, so each stored weight is the learned codes as they are (the
      // builder's integer rewrites would pad a 3-channel conv's weights with zero points).
      const plain = { integerRewrites: false };
      const result = await runAdaroundRecipe(c.model, c.train, c.held, plain, settings);
      const { layers } = result.report;
      expect(layers.length).toBeGreaterThanOrEqual(3);
      const stored = storedCodes(result.tuned, layers);
      layers.forEach((l, i) => {
        expect(stored[i]).toEqual(Array.from(result.codes.get(l.weight)!));
        expect(l.error).toBeLessThanOrEqual(l.nearest);
      });
      // Learned rounding changed something, and only the weights' integers differ from PTQ.
      expect(layers.some((l) => l.flipped > 0)).toBe(true);
      const ptq = buildGraph(readModel(result.tunedFrom.bytes));
      const tuned = buildGraph(readModel(result.tuned));
      expect(tuned.nodes.map((n) => n.opType)).toEqual(ptq.nodes.map((n) => n.opType));
      expect(Math.abs(result.tuned.length - result.tunedFrom.bytes.length)).toBeLessThan(16);
      expect(result.bytes).toBe(
        result.report.kept === 'adaround' ? result.tuned : result.static.bytes,
      );
      const again = await runAdaroundRecipe(c.model, c.train, c.held, plain, settings);
      expect(again.tuned).toEqual(result.tuned);
    });
  }

  it('keeping PTQ writes what a static run on the training and held-out batches writes', async () => {
    // Not the PTQ of the training batches alone, which --adaround kept before: worse than the
    // same --calib without --adaround. 0 iterations leave nearest rounding, so held-out SQNR
    // equals PTQ's and PTQ is kept.
    const model = convChain();
    const [train, held] = [convInputs(8, 100), convInputs(4, 200)];
    const result = await runAdaroundRecipe(model, train, held, {}, { iterations: 0 });
    const all = await runStaticRecipe(model, [...train, ...held]);
    expect(result.report.kept).toBe('ptq');
    expect(result.report.reason).toMatch(/kept \(calibrated on all 12 batches\)$/);
    expect(result.bytes).toEqual(all.bytes);
    expect(result.static.bytes).toEqual(all.bytes);
    expect(result.bytes).not.toEqual(result.tunedFrom.bytes);
    expect(result.tuned).toEqual(result.tunedFrom.bytes);
  });
});

// `--exclude` of a Conv keeps it in float for real: it reads the float tensor, not a
// DequantizeLinear, so onnxruntime's WeightBiasQuantization cannot quantize its weight behind
// the user's back (per-tensor int8, coarser than the layers zeropoint quantized).
import { describe, expect, it } from 'vitest';
import { buildGraph, readModel } from '../src/onnx/index.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

describe('excluding a Conv', () => {
  it('the excluded Conv reads the float activation and keeps its float weight', async () => {
    const bytes = convChain();
    const convs = buildGraph(readModel(bytes)).nodes.filter((n) => n.opType === 'Conv');
    const excluded = convs[1]!;
    const name = excluded.name !== '' ? excluded.name : 'Conv';
    const result = await runStaticRecipe(bytes, convInputs(8, 1), { exclude: [name] });
    const graph = buildGraph(readModel(result.bytes));
    const after = graph.nodes.filter((n) => n.opType === 'Conv');
    const floatConv = after.find((n) => n.output[0] === excluded.output[0])!;
    expect(graph.producer(floatConv.input[0]!)?.opType).not.toBe('DequantizeLinear');
    expect(graph.producer(floatConv.input[1]!)).toBeUndefined(); // a float initializer
    const quantized = after.filter((n) => n !== floatConv);
    expect(quantized.length).toBe(2);
    for (const n of quantized) expect(graph.producer(n.input[0]!)?.opType).toBe('DequantizeLinear');
  });
});

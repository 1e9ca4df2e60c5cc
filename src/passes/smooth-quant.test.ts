// SmoothQuant's sites and scales on the tiny transformer: Q, K and V share one site folded into
// the written-out LayerNorm, the FFN's input folds into LayerNormalization, the rest is left alone
// with the reason; s follows the paper's formula. Exactness in onnxruntime: test/rewrites-ort.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../onnx/build.js';
import { buildGraph, readModel } from '../onnx/index.js';
import { tinyTransformer } from '../../test/helpers/tiny-transformer.js';
import { downstreamAbsMax } from './channel-scale.js';
import { findSmoothSites, smoothQuant, smoothScales } from './smooth-quant.js';

describe('SmoothQuant', () => {
  it('s_j = max|X_j|^alpha / max|W_j|^(1 - alpha), 1 where a channel is all zeros', () => {
    const s = smoothScales([16, 0, 4], [4, 2, 0], 0.5);
    expect(Array.from(s)).toEqual([16 ** 0.5 / 4 ** 0.5, 1, 1]);
    expect(smoothScales([9], [1], 1)[0]).toBe(9);
  });

  it('finds Q/K/V as one site and says why the other MatMuls are left alone', () => {
    const graph = buildGraph(readModel(tinyTransformer()));
    const { sites, skipped } = findSmoothSites(graph);
    expect(sites.map((s) => [s.source.opType, s.downstream.length])).toEqual([
      ['Mul', 3],
      ['LayerNormalization', 1],
    ]);
    const reasons = skipped.map((d) => d.reason).join('\n');
    expect(reasons).toMatch(/MatMul without a constant 2-D weight/);
    expect(reasons).toMatch(/Mul of two activations/);
    expect(reasons).toMatch(/residual/);
  });

  it('divides the activation absmax by s and multiplies the weights by it', () => {
    const graph = buildGraph(readModel(tinyTransformer()));
    const { sites } = findSmoothSites(graph);
    const site = sites[0]!;
    const x = Float64Array.from({ length: site.channels }, (_, j) => (j === 3 ? 40 : 1));
    const w = downstreamAbsMax(graph, site);
    const [decision] = smoothQuant(graph, [site], new Map([[site.tensor, x]]), 0.5);
    expect(decision!.absMaxBefore).toBe(40);
    const s = smoothScales(x, w, 0.5);
    const after = downstreamAbsMax(graph, site);
    after.forEach((v, j) => expect(v).toBeCloseTo(w[j]! * s[j]!, 4));
    expect(decision!.absMaxAfter).toBeCloseTo(Math.max(...Array.from(x, (v, j) => v / s[j]!)));
  });

  it('lets a Shape read the smoothed tensor (its values do not matter there)', () => {
    const b = new ModelBuilder();
    const x = b.input('x', 'float32', [1, 3, 4]);
    const ones = (n: number) => Array<number>(n).fill(1);
    const y = b.op('LayerNormalization', [x, b.initializer('g', 'float32', [4], ones(4))]);
    b.output(b.op('Shape', [y]), 'int64', [3]);
    b.output(b.op('MatMul', [y, b.initializer('w', 'float32', [4, 2], ones(8))]), 'float32');
    const { sites, skipped } = findSmoothSites(buildGraph(readModel(b.bytes(17))));
    expect(skipped).toEqual([]);
    expect(sites.map((s) => s.downstream.length)).toEqual([1]);
  });
});

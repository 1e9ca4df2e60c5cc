import { describe, expect, it } from 'vitest';
import { dequantize } from '../core/index.js';
import { ModelBuilder } from '../onnx/build.js';
import { buildGraph, readModel, writeModel } from '../onnx/index.js';
import { quantizeWeightBlocks } from './weight-only-algorithms.js';
import { applyAwq } from './weight-only-awq-fold.js';
import { awqError, awqScales, awqSearch } from './weight-only-awq.js';
import { blockQuantize, type BlockQuantized, type BlockSpec } from './weight-only-blocks.js';
import { gptqQuantize } from './weight-only-gptq.js';
import { ActivationAccumulator, type ActivationStats } from './weight-only-hessian.js';
import { hqqBlock, hqqQuantize, lpError } from './weight-only-hqq.js';
import { findWeightTargets, type WeightTarget } from './weight-only-targets.js';

/** A deterministic standard-normal-ish stream (sum of uniforms from an LCG). */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => u() + u() + u() + u() - 2;
}

/** X [rows, k] with correlated channels (a random mix of 4 sources) and a few loud channels. */
function correlatedX(rows: number, k: number, seed: number): Float32Array {
  const g = gaussian(seed);
  const mix = Array.from({ length: 4 * k }, g);
  const x = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const src = [g(), g(), g(), g()];
    for (let i = 0; i < k; i++) {
      let v = 0.3 * g();
      for (let j = 0; j < 4; j++) v += src[j]! * mix[j * k + i]!;
      x[r * k + i] = Math.fround(v * (i % 13 === 0 ? 8 : 1));
    }
  }
  return x;
}

function statsOf(x: Float32Array, k: number): ActivationStats {
  const acc = new ActivationAccumulator(k);
  acc.add(x);
  return acc.finish();
}

function weights(n: number, k: number, seed: number): Float32Array {
  const g = gaussian(seed);
  return Float32Array.from({ length: n * k }, () => Math.fround(0.05 * g()));
}

/** ||X W^T - X Wq^T||^2 with w, wq: [N, K], through X^T X. */
function outputError(w: Float32Array, q: BlockQuantized, stats: ActivationStats): number {
  const back = dequantize(q.codes, [q.n, q.k], q.params);
  const d = Float64Array.from(w, (v, i) => v - back[i]!);
  const { k, xtx } = stats;
  let e = 0;
  for (let r = 0; r < q.n; r++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) e += d[r * k + i]! * xtx[i * k + j]! * d[r * k + j]!;
    }
  }
  return e;
}

const SPECS: readonly BlockSpec[] = [
  { bits: 4, scheme: 'symmetric', blockSize: 32 },
  { bits: 4, scheme: 'asymmetric', blockSize: 32 },
  { bits: 8, scheme: 'symmetric', blockSize: 32 },
];

const [N, K] = [24, 96];
const W = weights(N, K, 7);
const STATS = statsOf(correlatedX(400, K, 3), K);

describe('GPTQ', () => {
  it.each(SPECS)('output error below RTN on correlated inputs ($bits-bit $scheme)', (spec) => {
    const rtn = outputError(W, blockQuantize(W, N, K, spec, 'w'), STATS);
    for (const actOrder of [false, true]) {
      const gptq = outputError(W, gptqQuantize(W, N, K, spec, 'w', STATS.xtx, { actOrder }), STATS);
      expect(gptq).toBeLessThan(0.9 * rtn);
    }
  });

  it('a diagonal Hessian (uncorrelated inputs) feeds nothing back: RTN codes and grids exactly', () => {
    const h = new Float64Array(K * K);
    for (let i = 0; i < K; i++) h[i * K + i] = 1 + (i % 5);
    for (const spec of SPECS) {
      const rtn = blockQuantize(W, N, K, spec, 'w');
      for (const actOrder of [false, true]) {
        const q = gptqQuantize(W, N, K, spec, 'w', h, { actOrder, batch: 16 });
        expect(q.codes).toEqual(rtn.codes);
        expect(q.params.scale).toEqual(rtn.params.scale);
        expect(q.params.zeroPoint).toEqual(rtn.params.zeroPoint);
      }
    }
  });

  it('lazy batches change nothing: batch 16 and 128 give the same codes', () => {
    const spec = SPECS[1]!;
    const a = gptqQuantize(W, N, K, spec, 'w', STATS.xtx, { batch: 16 });
    const b = gptqQuantize(W, N, K, spec, 'w', STATS.xtx, { batch: 128 });
    const differ = a.codes.filter((c, i) => c !== b.codes[i]).length;
    expect(differ).toBeLessThanOrEqual(1); // float64 sums in another order can flip a tie
  });

  it('fails naming the activation when its statistics are missing', () => {
    const target = { n: N, k: K, weight: 'w', activation: 'x' } as unknown as WeightTarget;
    expect(() => quantizeWeightBlocks(W, target, { ...SPECS[0]!, algorithm: 'gptq' })).toThrow(
      /statistics of 'x'/,
    );
  });
});

describe('HQQ', () => {
  it.each(SPECS)(
    'the lp objective never increases and ends at or below RTN ($bits-bit $scheme)',
    (spec) => {
      const rtn = blockQuantize(W, N, K, spec, 'w');
      const quant = { qtype: rtn.qtype, scheme: spec.scheme };
      let improved = 0;
      for (let g = 0; g < rtn.params.scale.length; g++) {
        const [row, b] = [Math.floor(g / rtn.blocks), g % rtn.blocks];
        const start = row * K + b * spec.blockSize;
        const init = { scale: rtn.params.scale[g]!, zeroPoint: rtn.params.zeroPoint[g]! };
        const { grid, trace } = hqqBlock(W, start, start + spec.blockSize, init, quant);
        for (let i = 1; i < trace.length; i++) expect(trace[i]!).toBeLessThan(trace[i - 1]!);
        const bounds = rtn.params.grid;
        expect(lpError(W, start, start + spec.blockSize, grid, bounds, 0.7)).toBe(trace.at(-1));
        if (trace.length > 1) improved++;
      }
      if (spec.bits === 4) expect(improved).toBeGreaterThan(0);
    },
  );

  it('is deterministic and keeps the layout: same bytes twice, codes in the grid', () => {
    const spec = SPECS[1]!;
    const a = hqqQuantize(W, N, K, spec, 'w');
    const b = hqqQuantize(W, N, K, spec, 'w');
    expect(a.codes).toEqual(b.codes);
    expect(a.params.scale).toEqual(b.params.scale);
    expect(Math.max(...a.codes)).toBeLessThanOrEqual(15);
    expect(Math.min(...a.params.zeroPoint)).toBeGreaterThanOrEqual(0);
  });
});

describe('AWQ', () => {
  it('alpha 0 is RTN: unit scales, the same error', () => {
    const ones = awqScales(STATS.absMean, 0);
    expect([...new Set(ones)]).toEqual([1]);
    const spec = SPECS[1]!;
    const rtn = outputError(W, blockQuantize(W, N, K, spec, 'w'), STATS);
    expect(awqError([{ w: W, n: N, name: 'w' }], STATS, spec, ones)).toBeCloseTo(rtn, 12);
  });

  it('the search never ends above RTN and lowers the error with loud channels', () => {
    for (const spec of SPECS.slice(0, 2)) {
      const choice = awqSearch([{ w: W, n: N, name: 'w' }], STATS, spec);
      expect(choice.error).toBeLessThan(choice.rtnError);
      expect(choice.alpha).toBeGreaterThan(0);
    }
  });

  function layerNormModel(): Uint8Array {
    const b = new ModelBuilder();
    b.input('x', 'float32', [4, K]);
    const g = gaussian(5);
    b.initializer(
      'gamma',
      'float32',
      [K],
      Array.from({ length: K }, () => 1 + 0.1 * g()),
    );
    b.initializer(
      'beta',
      'float32',
      [K],
      Array.from({ length: K }, () => 0.1 * g()),
    );
    b.initializer('w', 'float32', [K, N], Array.from(W));
    const ln = b.op('LayerNormalization', ['x', 'gamma', 'beta']);
    b.output(b.op('MatMul', [ln, 'w']), 'float32', [4, N]);
    return b.bytes(17);
  }

  it('alpha 0 leaves the model bytes as they were; a searched alpha folds 1/s into LayerNorm', () => {
    const bytes = layerNormModel();
    const graph = buildGraph(readModel(bytes));
    const { targets } = findWeightTargets(graph);
    const activation = targets[0]!.activation;
    const stats = new Map([[activation, STATS]]);
    const spec = SPECS[1]!;
    const [kept] = applyAwq(graph, targets, stats, spec, [0]);
    expect(kept!.alpha).toBe(0);
    expect(writeModel(graph.model)).toEqual(bytes);
    const [group] = applyAwq(graph, targets, stats, spec);
    expect(group!.fold).toBe('LayerNormalization');
    expect(group!.errorRatio).toBeLessThan(1);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['LayerNormalization', 'MatMul']);
  });
});

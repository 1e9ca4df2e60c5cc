// Which weight-only form each MatMul shape runs fastest in on this machine: for every distinct
// [K, N] weight of a model, a one-node model (x [rows, K] x W [K, N]) in float and in each
// candidate form (MatMulNBits, blocked DequantizeLinear, and int8 weight-only), written by the
// weight-only recipe itself and timed interleaved; the choice feeds WeightsOptions.choices. An
// int4 form within 5 % of the fastest wins over int8 (half the bytes), MatMulNBits first. Not the
// whole-model check (quantize-verdict.ts times whole models).
import { compareLatency, type LatencyOptions } from '../hardware/model-latency.js';
import { ModelBuilder } from '../onnx/build.js';
import { buildGraph, readModel } from '../onnx/index.js';
import { findWeightTargets } from '../passes/index.js';
import { runWeightsRecipe, type WeightChoice, type WeightsOptions } from '../ptq/index.js';

/** One candidate form with its latency as a multiple of the float MatMul's. */
export interface FormatTiming extends WeightChoice {
  readonly latency: number;
}

/** One weight shape, the weights of that shape, the timings and the choice. */
export interface ShapeChoice {
  readonly k: number;
  readonly n: number;
  readonly weights: readonly string[];
  readonly timings: readonly FormatTiming[];
  readonly chosen: WeightChoice;
}

/** How to measure: activation rows (default 1, one decoding step) and the timing options. */
export interface WeightFormatOptions extends LatencyOptions {
  readonly rows?: number;
}

const CANDIDATES: readonly WeightChoice[] = [
  { format: 'matmulnbits', bits: 4 },
  { format: 'qdq', bits: 4 },
  { format: 'qdq', bits: 8 },
];

/** Slack within which the smaller (int4) form is taken over a faster int8 one. */
const INT4_SLACK = 0.05;

function matmulModel(rows: number, k: number, n: number): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [rows, k]);
  const w = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 0.618) * 0.05);
  b.initializer('w', 'float32', [k, n], w);
  b.output(b.op('MatMul', ['x', 'w']), 'float32');
  return b.bytes(13, 8);
}

/**
 * Times the candidate forms for every weight shape of `model` and picks one per shape; with
 * `options.bits` 8, only the two int8 forms compete.
 */
export async function chooseWeightFormats(
  model: Uint8Array,
  options: WeightsOptions,
  measure: WeightFormatOptions = {},
): Promise<{ shapes: ShapeChoice[]; choices: Record<string, WeightChoice> }> {
  const { targets } = findWeightTargets(buildGraph(readModel(model)));
  const byShape = new Map<string, { k: number; n: number; weights: Set<string> }>();
  for (const t of targets) {
    const key = `${t.k}x${t.n}`;
    const entry = byShape.get(key) ?? { k: t.k, n: t.n, weights: new Set<string>() };
    entry.weights.add(t.weight);
    byShape.set(key, entry);
  }
  const candidates =
    options.bits === 8
      ? [
          { format: 'matmulnbits' as const, bits: 8 as const },
          { format: 'qdq' as const, bits: 8 as const },
        ]
      : CANDIDATES;
  const rows = measure.rows ?? 1;
  // The one-MatMul models time the storage form only: their codes come from RTN, since the
  // run's GPTQ/AWQ statistics describe the real model's activations, not these models' 'x'.
  const layout: WeightsOptions = {
    bits: options.bits,
    ...(options.blockSize === undefined ? {} : { blockSize: options.blockSize }),
    ...(options.scheme === undefined ? {} : { scheme: options.scheme }),
    ...(options.clipSearch === undefined ? {} : { clipSearch: options.clipSearch }),
    ...(options.accuracyLevel === undefined ? {} : { accuracyLevel: options.accuracyLevel }),
  };
  const shapes: ShapeChoice[] = [];
  const choices: Record<string, WeightChoice> = {};
  for (const { k, n, weights } of byShape.values()) {
    const float = matmulModel(rows, k, n);
    const variants = candidates.map((c) => runWeightsRecipe(float, { ...layout, ...c }).bytes);
    const x = Float32Array.from({ length: rows * k }, (_, i) => Math.cos(i * 0.37));
    const feeds = { x: { type: 'float32' as const, dims: [rows, k], data: x } };
    const timed = await compareLatency([float, ...variants], feeds, measure);
    const timings = candidates.map((c, i) => ({ ...c, latency: timed.ratios[i + 1]! }));
    const fastest = Math.min(...timings.map((t) => t.latency));
    // Within the slack, MatMulNBits first: blocked DequantizeLinear is fast only where
    // onnxruntime fuses it at load, which a one-node model shows but a whole model may not.
    const order = (t: FormatTiming) => (t.format === 'matmulnbits' ? 0 : 1);
    const int4 = timings
      .filter((t) => t.bits === 4 && t.latency <= fastest * (1 + INT4_SLACK))
      .sort((a, b) => order(a) - order(b) || a.latency - b.latency)[0];
    const best = int4 ?? timings.find((t) => t.latency === fastest)!;
    const chosen = { format: best.format, bits: best.bits };
    for (const w of weights) choices[w] = chosen;
    shapes.push({ k, n, weights: [...weights], timings, chosen });
  }
  return { shapes, choices };
}

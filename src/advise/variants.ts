// Builds and scores quantized variants of one prepared float model, for the advisor's many
// trials (one layer at a time, fallbacks, whole-model comparisons): decode the prepared bytes,
// upgrade the opset only when a variant needs 16-bit types, plan with the variant's options,
// insert QDQ with ranges calibrated once, run on held-out batches and compare the outputs with
// fp32's. Not the static recipe (ptq/quantize-static.ts), which prepares and calibrates too.
import type { TensorRange } from '../observers/index.js';
import { buildGraph, defaultOpset, readModel, upgradeOpset, writeModel } from '../onnx/index.js';
import {
  insertQdq,
  planQuantization,
  readFloatInputs,
  requiredOpset,
  type InsertReport,
  type PlanOptions,
  type QuantPlan,
} from '../passes/index.js';
import type { Feeds } from '../ptq/index.js';
import { createSession, type RuntimeTensor } from '../runtime/onnxruntime.js';

/** A quantized variant and what made it. */
export interface BuiltModel {
  readonly bytes: Uint8Array;
  readonly plan: QuantPlan;
  readonly insert: InsertReport;
}

/** Model outputs by name, one record per held-out batch. */
export type Outputs = readonly Readonly<Record<string, RuntimeTensor>>[];

/**
 * Quantizes `prepared` (bytes from prepareModel, not modified) under `options` with `ranges`
 * (calibrated min/max by tensor name; fixed-range overrides need none).
 */
export function buildQuantized(
  prepared: Uint8Array,
  options: PlanOptions,
  ranges: ReadonlyMap<string, TensorRange>,
): BuiltModel {
  const model = readModel(prepared);
  const opset = requiredOpset(options);
  if (defaultOpset(model) < opset) upgradeOpset(model, opset);
  const graph = buildGraph(model);
  const plan = planQuantization(graph, options);
  const insert = insertQdq(graph, plan, ranges);
  readFloatInputs(graph, options.exclude ?? []);
  return { bytes: writeModel(model), plan, insert };
}

/** Runs `bytes` on every batch and returns all outputs per batch. */
export async function runBatches(
  bytes: Uint8Array,
  batches: readonly Feeds[],
  threads = 1,
): Promise<Record<string, RuntimeTensor>[]> {
  const session = await createSession(bytes, { threads });
  try {
    const out: Record<string, RuntimeTensor>[] = [];
    for (const feeds of batches) out.push(await session.run(feeds));
    return out;
  } finally {
    await session.release();
  }
}

/**
 * SQNR in dB of `outputs` against `reference` over every float output of every batch:
 * 10 log10(sum ref^2 / sum (ref - out)^2); Infinity when they are equal.
 */
export function outputSqnr(reference: Outputs, outputs: Outputs): number {
  let signal = 0;
  let noise = 0;
  reference.forEach((ref, i) => {
    for (const [name, r] of Object.entries(ref)) {
      const o = outputs[i]?.[name];
      if (r.type !== 'float32' || o === undefined || o.type !== 'float32') continue;
      const a = r.data as Float32Array;
      const b = o.data as Float32Array;
      for (let k = 0; k < a.length; k++) {
        const d = a[k]! - (b[k] ?? 0);
        signal += a[k]! * a[k]!;
        noise += d * d;
      }
    }
  });
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

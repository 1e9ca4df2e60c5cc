// Layer sensitivity: quantize one layer at a time, everything else float, run the held-out
// batches and measure the model output's SQNR against fp32; the lower the SQNR, the more that
// layer alone hurts. One calibration serves every variant (ranges are read, not recomputed),
// so the cost is one model build and one session per layer. Not the search that acts on the
// ranking (search.ts).
import type { NodeDecision, PlanOptions } from '../passes/index.js';
import { buildQuantized, samplesOf, type Feeds, type RangeSource } from '../ptq/index.js';
import type { LayerSensitivity, SensitivityRun } from './profile-types.js';
import { outputSqnr, runBatches, type Outputs } from './variants.js';

/** What the analysis needs. */
export interface SensitivityInput {
  /** The prepared float model's bytes. */
  readonly prepared: Uint8Array;
  /** The layers to measure: a plan's quantized nodes. */
  readonly layers: readonly NodeDecision[];
  /** Node names by plan key (first output); a layer without a name cannot be included. */
  readonly names: ReadonlyMap<string, string>;
  /** Options every variant starts from (schemes, overrides); `include` is set per layer. */
  readonly base: PlanOptions;
  readonly source: RangeSource;
  readonly heldOut: readonly Feeds[];
  /** fp32 outputs on `heldOut`. */
  readonly reference: Outputs;
  readonly threads?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Measures every layer; the result lists layers most sensitive (lowest SQNR) first. */
export async function layerSensitivity(input: SensitivityInput): Promise<SensitivityRun> {
  const started = performance.now();
  const layers: LayerSensitivity[] = [];
  const skipped: { node: string; reason: string }[] = [];
  let done = 0;
  for (const layer of input.layers) {
    const name = input.names.get(layer.node);
    if (name === undefined || name === '') {
      skipped.push({ node: layer.node, reason: 'the node has no name to include it by' });
    } else {
      try {
        const built = buildQuantized(
          input.prepared,
          { ...input.base, include: [name] },
          input.source,
        );
        const outputs = await runBatches(built.bytes, input.heldOut, input.threads);
        layers.push({
          node: layer.node,
          label: layer.label,
          opType: layer.opType,
          sqnrDb: outputSqnr(input.reference, outputs),
        });
      } catch (error) {
        skipped.push({ node: layer.node, reason: (error as Error).message });
      }
    }
    input.onProgress?.(++done, input.layers.length);
  }
  layers.sort((a, b) => a.sqnrDb - b.sqnrDb);
  return {
    layers,
    samples: input.heldOut.reduce((n, f) => n + samplesOf(f), 0),
    ms: Math.round(performance.now() - started),
    skipped,
  };
}

// AdaRound from zeropoint's own PTQ result: the static recipe (same plan, grids and activation
// ranges), then layer by layer in graph order the rounding of each Conv/MatMul/Gemm weight is
// learned against the float layer's output on the calibration data, with inputs from the
// quantized model whose earlier layers are already rounded (the paper's asymmetric
// reconstruction: the QDQ model is rebuilt after every `layersPerPass` layers). Codes go through
// the one builder as grid values at PTQ's scales, so the model holds exactly the learned codes.
// Keeps PTQ, recalibrated on all the data, when held-out output SQNR does not improve. Not the
// per-layer arithmetic.
import { fail } from '../core/index.js';
import { buildGraph, readModel, writeModel } from '../onnx/index.js';
import {
  buildQuantized,
  prepareBuild,
  runStaticRecipe,
  type Feeds,
  type StaticOptions,
  type StaticResult,
} from '../ptq/index.js';
import { compareOutputs } from '../ptq/output-agreement.js';
import { adaroundLayer, type AdaroundOptions } from './adaround.js';
import {
  adaroundSites,
  gridWeights,
  rowScales,
  weightRows,
  type AdaroundSkip,
} from './adaround-sites.js';
import { collectMoments, type MomentOptions } from './adaround-stats.js';
import { allBatchesNote, ptqOnAll } from './ptq-on-all.js';
import { plainQdq } from './training-graph.js';

/** Settings of runAdaroundRecipe (every field has a default). */
export interface AdaroundSettings extends AdaroundOptions, MomentOptions {
  /**
   * Layers per statistics pass; the QDQ model is rebuilt with the codes learned so far between
   * passes (default 1, the paper's sequential reconstruction: on openWakeWord 8 per pass gave
   * 17.3 dB held-out against PTQ's 20.8, 1 per pass 25.2).
   */
  readonly layersPerPass?: number;
  /** Called after each layer with the layers done, their number and the node's name. */
  readonly onLayer?: (done: number, total: number, node: string) => void;
  readonly signal?: AbortSignal;
}

/** One layer's outcome: relative output error with nearest rounding and with the written codes. */
export interface AdaroundLayerReport {
  readonly node: string;
  readonly weight: string;
  readonly rows: number;
  readonly k: number;
  readonly nearest: number;
  readonly error: number;
  readonly flipped: number;
  readonly learned: boolean;
}

/** What AdaRound did, for the report and `--json`. */
export interface AdaroundReport {
  readonly settings: Required<
    Pick<AdaroundSettings, 'iterations' | 'lambda' | 'lr' | 'maxRows' | 'layersPerPass' | 'seed'>
  > & {
    readonly trainSamples: number;
    readonly heldOutSamples: number;
  };
  readonly layers: readonly AdaroundLayerReport[];
  readonly skipped: readonly AdaroundSkip[];
  /** Held-out output SQNR (dB, the lowest over outputs) of the PTQ model and the rounded one. */
  readonly before: number;
  readonly after: number;
  readonly kept: 'adaround' | 'ptq';
  readonly reason?: string;
  readonly ms: number;
}

/**
 * The returned model (the rounded one, or PTQ's when kept: calibrated on train and held-out
 * batches together, as a static run on the same data), the PTQ run it comes from, the rounded
 * model, the training-split PTQ run it was rounded from and its codes by weight ([rows, k]).
 */
export interface AdaroundResult {
  readonly bytes: Uint8Array;
  /**
   * The PTQ run `bytes` comes from, as for QAT: the report of the written model (its sample
   * count, ranges and notes) is built from it, so when PTQ is kept it is the all-data run.
   */
  readonly static: StaticResult;
  /** The rounded model, also when PTQ's was kept. */
  readonly tuned: Uint8Array;
  /** The PTQ run on the training batches whose grids `tuned` rounds on (compare tuned to it). */
  readonly tunedFrom: StaticResult;
  readonly codes: ReadonlyMap<string, Int32Array>;
  readonly report: AdaroundReport;
}

function samples(feeds: readonly Feeds[]): number {
  return feeds.reduce((n, f) => n + (Object.values(f)[0]?.dims[0] ?? 1), 0);
}

async function heldOutSqnr(
  reference: Uint8Array,
  bytes: Uint8Array,
  feeds: readonly Feeds[],
  threads: number,
) {
  const agreement = await compareOutputs(reference, bytes, feeds, { threads });
  return Math.min(...agreement.map((a) => a.sqnrDb));
}

/**
 * Statically quantizes `modelBytes` on `train`, learns each weight's rounding on `train` and
 * judges on `heldOut` (both whole batches).
 */
export async function runAdaroundRecipe(
  modelBytes: Uint8Array,
  train: readonly Feeds[],
  heldOut: readonly Feeds[],
  options: StaticOptions = {},
  settings: AdaroundSettings = {},
): Promise<AdaroundResult> {
  const layersPerPass = settings.layersPerPass ?? 1;
  const iterations = settings.iterations ?? 500;
  if (
    !(Number.isInteger(layersPerPass) && layersPerPass >= 1) ||
    !(Number.isInteger(iterations) && iterations >= 0)
  ) {
    fail(
      'bad-argument',
      `AdaRound needs whole iterations >= 0 and layers per pass >= 1 (got ${iterations}, ${layersPerPass})`,
    );
  }
  if (heldOut.length === 0)
    fail('bad-calibration-data', 'AdaRound needs held-out data to judge the rounding');
  const threads = settings.threads ?? options.threads ?? 1;
  const started = Date.now();
  const ptq = await runStaticRecipe(modelBytes, train, options);
  const { prepared, options: buildOptions, source } = ptq.build;
  const { model, graph } = prepareBuild(prepared, buildOptions);
  const floatBytes = writeModel(model);
  // Layers are matched and measured on the QDQ graph without the builder's integer rewrites
  // (a padded input is not the float conv's input); the result gets them back.
  const plain = plainQdq(ptq);
  const { sites, skipped } = adaroundSites(graph, buildGraph(readModel(plain)), ptq.plan);
  const values = new Map<string, Float32Array>();
  const weightScales = new Map<string, Float32Array>();
  const codes = new Map<string, Int32Array>();
  const layers: AdaroundLayerReport[] = [];
  let current = plain;
  for (let at = 0; at < sites.length; at += layersPerPass) {
    const chunk = sites.slice(at, at + layersPerPass);
    const moments = await collectMoments(floatBytes, current, chunk, train, {
      threads,
      ...(settings.maxRows === undefined ? {} : { maxRows: settings.maxRows }),
      seed: (settings.seed ?? 0) + at,
    });
    for (const site of chunk) {
      if (settings.signal?.aborted === true) fail('aborted', 'AdaRound was aborted');
      const m = moments.get(site.weight)!;
      const weight = weightRows(site, graph.constantValue(site.weight)!.data as Float32Array);
      const result = adaroundLayer(
        {
          weight,
          rows: site.rows,
          k: site.k,
          scale: rowScales(site),
          qmin: site.qmin,
          qmax: site.qmax,
          groups: site.groups,
          ...m,
        },
        { ...settings, iterations },
      );
      codes.set(site.weight, result.codes);
      values.set(site.weight, gridWeights(site, result.codes));
      weightScales.set(site.weight, site.scale);
      const { nearest, error, flipped, learned } = result;
      layers.push({
        node: site.node,
        weight: site.weight,
        rows: site.rows,
        k: site.k,
        nearest,
        error,
        flipped,
        learned,
      });
      settings.onLayer?.(layers.length, sites.length, site.node);
    }
    current = plainQdq(ptq, { values, weightScales });
  }
  const tuned =
    sites.length === 0
      ? ptq.bytes
      : buildQuantized(prepared, buildOptions, source, { values, weightScales }).bytes;
  const before = await heldOutSqnr(modelBytes, ptq.bytes, heldOut, threads);
  const after = await heldOutSqnr(modelBytes, tuned, heldOut, threads);
  const keep = !(after > before);
  // PTQ kept: calibrated on every batch, held-out ones included, as the same data without
  // --adaround (the training-split PTQ above is only what the rounding started from).
  const whole = keep ? await ptqOnAll(modelBytes, train, heldOut, options, ptq) : ptq;
  const report: AdaroundReport = {
    settings: {
      iterations,
      lambda: settings.lambda ?? 0.01,
      lr: settings.lr ?? 0.01,
      maxRows: settings.maxRows ?? 512,
      layersPerPass,
      seed: settings.seed ?? 0,
      trainSamples: samples(train),
      heldOutSamples: samples(heldOut),
    },
    layers,
    skipped,
    before,
    after,
    kept: keep ? 'ptq' : 'adaround',
    ...(keep
      ? {
          reason:
            `held-out SQNR did not improve (${after.toFixed(2)} dB vs PTQ's ${before.toFixed(2)} dB); ` +
            `the PTQ model is kept${allBatchesNote(whole, ptq, train, heldOut)}`,
        }
      : {}),
    ms: Date.now() - started,
  };
  const bytes = keep ? whole.bytes : tuned;
  return { bytes, static: whole, tuned, tunedFrom: ptq, codes, report };
}

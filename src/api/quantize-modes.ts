// The public quantizeDynamic and quantizeWeights: the two recipes that need no calibration data.
// Model bytes in, the quantized model and the report `zeropoint quantize --dynamic|--weights
// --json` prints out. Wraps ptq/'s runDynamicRecipe and runWeightsRecipe; both run in one step,
// so the signal is checked before and after it. Not reading or writing files.
import {
  runDynamicRecipe,
  runWeightsRecipe,
  type DynamicOptions,
  type DynamicReport,
  type WeightsOptions,
  type WeightsReport,
} from '../ptq/index.js';
import type { TensorStore } from '../onnx/index.js';
import { externalStore, type ExternalDataFile, type ExternalDataOptions } from './external-data.js';
import { checkAborted, type RunOptions } from './run-options.js';
import { calibrateWeights, type WeightChoiceOptions } from './weight-selection.js';
import type { WeightCalibrationOptions } from './weight-statistics.js';

/** Where the input's and the output's external data files are (external-data.ts). */
interface WithExternalData {
  readonly externalData?: ExternalDataOptions;
}

/** Options of quantizeDynamic: Conv's form and the MatMul weight type (measured defaults). */
export interface QuantizeDynamicOptions
  extends DynamicOptions, WithExternalData, Pick<RunOptions, 'signal'> {}

/**
 * Options of quantizeWeights: bits (4 or 8), blockSize, scheme, format, clipSearch,
 * accuracyLevel, algorithm; `calibration` feeds for GPTQ and AWQ (weight-statistics.ts).
 */
export interface QuantizeWeightsOptions
  extends
    WeightsOptions,
    WithExternalData,
    WeightCalibrationOptions,
    Pick<WeightChoiceOptions, 'holdout'> {}

/** A quantized model and the report of the recipe that made it. */
export interface QuantizeModeResult<Report> {
  /** The model; with external data, its protobuf whose large tensors are in the data file. */
  readonly model: Uint8Array;
  readonly report: Report;
  /** The output's data file, when externalData.output named one to return in memory. */
  readonly externalData?: ExternalDataFile;
}

/**
 * Dynamically quantizes `model`: int8 weights ahead of time, activations quantized at run time
 * (MatMulInteger, per-row Gather; Conv as options.conv says). Needs no calibration data.
 */
export function quantizeDynamic(
  model: Uint8Array,
  options: QuantizeDynamicOptions = {},
): Promise<QuantizeModeResult<DynamicReport>> {
  const { signal, externalData, ...recipe } = options;
  return oneStep(signal, externalData, (store) => runDynamicRecipe(model, recipe, store));
}

/**
 * Block-quantizes the MatMul/Gemm weights of `model` to int4 or int8; activations stay float.
 * With `calibration`, the weights' input statistics are collected first (GPTQ and AWQ read them);
 * asymmetric int4 without an `algorithm` takes HQQ (ALGORITHM_DEFAULTS), and `select` chooses
 * the algorithm on held-out batches (api/weight-selection.ts).
 */
export async function quantizeWeights(
  model: Uint8Array,
  options: QuantizeWeightsOptions,
): Promise<QuantizeModeResult<WeightsReport>> {
  const { signal, externalData, calibration, holdout, threads, onProgress, ...recipe } = options;
  const run = Object.fromEntries(
    Object.entries({ signal, holdout, threads, onProgress }).filter(([, v]) => v !== undefined),
  ) as WeightChoiceOptions;
  const calibrated =
    calibration === undefined ? recipe : await calibrateWeights(model, calibration, recipe, run);
  return oneStep(signal, externalData, (store) => runWeightsRecipe(model, calibrated, store));
}

/** Runs a one-step recipe with the signal checked before and after; failures reject. */
function oneStep<Report>(
  signal: AbortSignal | undefined,
  externalData: ExternalDataOptions | undefined,
  recipe: (store: TensorStore | undefined) => { bytes: Uint8Array; report: Report },
): Promise<QuantizeModeResult<Report>> {
  return Promise.resolve().then(() => {
    checkAborted(signal);
    const { store, collected } = externalStore(externalData);
    const { bytes, report } = recipe(store);
    checkAborted(signal);
    const file = collected();
    return { model: bytes, report, ...(file === undefined ? {} : { externalData: file }) };
  });
}

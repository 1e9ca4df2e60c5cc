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
import { checkAborted, type RunOptions } from './run-options.js';

/** Options of quantizeDynamic: Conv's form and the MatMul weight type (measured defaults). */
export interface QuantizeDynamicOptions extends DynamicOptions, Pick<RunOptions, 'signal'> {}

/** Options of quantizeWeights: bits (4 or 8), blockSize, scheme, format, clipSearch, accuracyLevel. */
export interface QuantizeWeightsOptions extends WeightsOptions, Pick<RunOptions, 'signal'> {}

/** A quantized model and the report of the recipe that made it. */
export interface QuantizeModeResult<Report> {
  readonly model: Uint8Array;
  readonly report: Report;
}

/**
 * Dynamically quantizes `model`: int8 weights ahead of time, activations quantized at run time
 * (MatMulInteger, per-row Gather; Conv as options.conv says). Needs no calibration data.
 */
export function quantizeDynamic(
  model: Uint8Array,
  options: QuantizeDynamicOptions = {},
): Promise<QuantizeModeResult<DynamicReport>> {
  const { signal, ...recipe } = options;
  return oneStep(signal, () => runDynamicRecipe(model, recipe));
}

/** Block-quantizes the MatMul/Gemm weights of `model` to int4 or int8; activations stay float. */
export function quantizeWeights(
  model: Uint8Array,
  options: QuantizeWeightsOptions,
): Promise<QuantizeModeResult<WeightsReport>> {
  const { signal, ...recipe } = options;
  return oneStep(signal, () => runWeightsRecipe(model, recipe));
}

/** Runs a one-step recipe with the signal checked before and after; failures reject. */
function oneStep<Report>(
  signal: AbortSignal | undefined,
  recipe: () => { bytes: Uint8Array; report: Report },
): Promise<QuantizeModeResult<Report>> {
  return Promise.resolve().then(() => {
    checkAborted(signal);
    const { bytes, report } = recipe();
    checkAborted(signal);
    return { model: bytes, report };
  });
}

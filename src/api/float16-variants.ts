// The public convertFloat16 (`zeropoint quantize MODEL --fp16`) and transformersVariants
// (`zeropoint quantize DIR --variants`): model bytes in; the fp16 model and its report, or each
// transformers.js dtype variant with its size and its agreement with the fp32 model in
// onnxruntime. Wraps ptq/'s float16-model.ts and transformers-variants.ts. No files here.
import { readModel } from '../onnx/index.js';
import type { Feeds } from '../ptq/batches.js';
import { runFloat16Recipe, type Float16Options, type Float16Report } from '../ptq/float16-model.js';
import { modelInputs } from '../ptq/model-inputs.js';
import { compareOutputs, type OutputAgreement } from '../ptq/output-agreement.js';
import {
  VARIANTS,
  buildVariant,
  sampleFeeds,
  type VariantName,
} from '../ptq/transformers-variants.js';
import type { RuntimeAdapter } from '../runtime/onnxruntime.js';
import { checkAborted, type RunOptions } from './run-options.js';

/** Options of convertFloat16: I/O type (float32 by default, as transformers.js) and ops kept. */
export interface ConvertFloat16Options extends Float16Options, Pick<RunOptions, 'signal'> {}

/**
 * Converts a float32 model to float16: weights saturated to +-65504 (ties to even), ops that
 * need float32 kept so behind Casts; the report lists clamped tensors and kept nodes.
 */
export function convertFloat16(
  model: Uint8Array,
  options: ConvertFloat16Options = {},
): Promise<{ model: Uint8Array; report: Float16Report }> {
  const { signal, ...recipe } = options;
  return Promise.resolve().then(() => {
    checkAborted(signal);
    const { bytes, report } = runFloat16Recipe(model, recipe);
    return { model: bytes, report };
  });
}

/** Options of transformersVariants. */
export interface VariantsOptions extends Pick<RunOptions, 'signal'> {
  /** Which variants (default: all of VARIANTS). */
  readonly variants?: readonly VariantName[];
  /** Feeds the agreement is measured on (default: 4 of sampleFeeds). */
  readonly feeds?: readonly Feeds[];
  readonly runtime?: RuntimeAdapter;
  /** Called after each variant, e.g. to write it and free its bytes. */
  readonly onVariant?: (variant: VariantResult) => void | Promise<void>;
}

/** One variant: its bytes, size against fp32, agreement with fp32, and notes. */
export interface VariantResult {
  readonly variant: VariantName;
  readonly model: Uint8Array;
  readonly bytes: number;
  /** fp32 size / this size. */
  readonly ratio: number;
  readonly agreement: readonly OutputAgreement[];
  readonly notes: readonly string[];
}

/** Builds each transformers.js variant of an fp32 model and measures it against the model. */
export async function transformersVariants(
  model: Uint8Array,
  options: VariantsOptions = {},
): Promise<VariantResult[]> {
  const variants = options.variants ?? [...VARIANTS.keys()];
  const feeds = options.feeds ?? sampleFeeds(modelInputs(readModel(model)), 4);
  const runtime = options.runtime === undefined ? {} : { runtime: options.runtime };
  const results: VariantResult[] = [];
  for (const variant of variants) {
    checkAborted(options.signal);
    const built = buildVariant(model, variant);
    const agreement = await compareOutputs(model, built.bytes, feeds, runtime);
    const result: VariantResult = {
      variant,
      model: built.bytes,
      bytes: built.bytes.length,
      ratio: model.length / built.bytes.length,
      agreement,
      notes: built.notes,
    };
    await options.onVariant?.(result);
    results.push(result);
  }
  return results;
}

// transformers.js's dtype variants of one fp32 model: the file each dtype loads (model_fp16.onnx,
// model_quantized.onnx for q8, model_int8, model_uint8, model_q4, model_q4f16) and the recipe
// that makes it here, after transformers.js's scripts/quantize.py: q8/int8/uint8 dynamic (q8's
// weights uint8 when the model has a Conv, as there), q4 MatMulNBits blocks of 32, fp16 with
// float32 inputs/outputs (keep_io_types). Plus agreement feeds for any model. No file system.
import { fail } from '../core/index.js';
import { buildGraph, readModel } from '../onnx/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import type { Feeds } from './batches.js';
import { runFloat16Recipe } from './float16-model.js';
import type { ModelInput } from './model-inputs.js';
import { runDynamicRecipe } from './quantize-dynamic.js';
import { runWeightsRecipe } from './quantize-weights.js';

/** A transformers.js dtype zeropoint writes. */
export type VariantName = 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16';

/** Every variant, in the order they are written, with its file suffix and what it is. */
export const VARIANTS: ReadonlyMap<VariantName, { suffix: string; description: string }> = new Map([
  ['fp16', { suffix: 'fp16', description: 'float16, float32 inputs/outputs' }],
  ['q8', { suffix: 'quantized', description: 'dynamic int8 (uint8 weights with Conv)' }],
  ['int8', { suffix: 'int8', description: 'dynamic int8, int8 weights' }],
  ['uint8', { suffix: 'uint8', description: 'dynamic int8, uint8 weights' }],
  ['q4', { suffix: 'q4', description: 'int4 MatMulNBits, blocks of 32' }],
  ['q4f16', { suffix: 'q4f16', description: 'q4 on the float16 model' }],
] as const);

/** Parses a comma-separated variant list ('all' or nothing: every variant). */
export function parseVariants(text: string | undefined): VariantName[] {
  if (text === undefined || text === '' || text === 'all') return [...VARIANTS.keys()];
  return text.split(',').map((name) => {
    if (VARIANTS.has(name as VariantName)) return name as VariantName;
    return fail(
      'bad-argument',
      `--variants takes ${[...VARIANTS.keys()].join(',')} or all, not '${name}'`,
    );
  });
}

/** `model_q4.onnx` for base `model` and variant q4 (q8: `model_quantized.onnx`). */
export function variantFileName(base: string, variant: VariantName): string {
  return `${base}_${VARIANTS.get(variant)!.suffix}.onnx`;
}

/** True when a file name (no folder) is a variant transformers.js derives from another model. */
export function isVariantFile(file: string): boolean {
  const suffixes = [...[...VARIANTS.values()].map((v) => v.suffix), 'bnb4'];
  return suffixes.some((s) => file.endsWith(`_${s}.onnx`));
}

const Q4 = { bits: 4, blockSize: 32, format: 'matmulnbits' } as const;

/** Builds one variant of an fp32 model; `notes` says what was chosen for the user. */
export function buildVariant(
  fp32: Uint8Array,
  variant: VariantName,
): { bytes: Uint8Array; notes: string[] } {
  switch (variant) {
    case 'fp16':
      return { bytes: runFloat16Recipe(fp32).bytes, notes: [] };
    case 'q8': {
      const conv = buildGraph(readModel(fp32)).nodes.some((n) => n.opType === 'Conv');
      const weightType = conv ? 'uint8' : 'int8';
      const notes = conv ? ['weights uint8: the model has Conv (as transformers.js does)'] : [];
      return { bytes: runDynamicRecipe(fp32, { weightType }).bytes, notes };
    }
    case 'int8':
    case 'uint8':
      return { bytes: runDynamicRecipe(fp32, { weightType: variant }).bytes, notes: [] };
    case 'q4':
      return { bytes: runWeightsRecipe(fp32, Q4).bytes, notes: [] };
    case 'q4f16': {
      const q4 = runWeightsRecipe(fp32, Q4).bytes;
      return { bytes: runFloat16Recipe(q4).bytes, notes: [] };
    }
  }
}

/** Sizes of dynamic axes in agreement feeds: 1 for batch-like names, else 16. */
function axisSize(name: string): number {
  return /batch|^N$/i.test(name) ? 1 : 16;
}

/**
 * `count` deterministic feeds for `inputs`: floats uniform in [-1, 1); integer inputs 0 (a
 * valid id: padding), 1 for names with `mask`; bool true. Dynamic axes as axisSize says.
 */
export function sampleFeeds(inputs: readonly ModelInput[], count: number): Feeds[] {
  let seed = 1;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 23 - 1;
  };
  return Array.from({ length: count }, () => {
    const feeds: Record<string, RuntimeTensor> = {};
    for (const input of inputs) {
      const dims = (input.dims ?? []).map((d, i) => d ?? axisSize(input.dimNames?.[i] ?? ''));
      const size = dims.reduce((a, b) => a * b, 1);
      const one = /mask/i.test(input.name) ? 1 : 0;
      switch (input.dtype) {
        case 'float32':
        case 'float16':
          feeds[input.name] = {
            type: 'float32',
            dims,
            data: Float32Array.from({ length: size }, next),
          };
          break;
        case 'int64':
          feeds[input.name] = {
            type: 'int64',
            dims,
            data: new BigInt64Array(size).fill(BigInt(one)),
          };
          break;
        case 'int32':
          feeds[input.name] = { type: 'int32', dims, data: new Int32Array(size).fill(one) };
          break;
        case 'bool':
          feeds[input.name] = { type: 'bool', dims, data: new Uint8Array(size).fill(1) };
          break;
        default:
          fail('bad-model', `input '${input.name}' is ${String(input.dtype)}; no sample feeds`, {
            input: input.name,
          });
      }
    }
    return feeds;
  });
}

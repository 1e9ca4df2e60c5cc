import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import type { ModelInput } from './model-inputs.js';
import {
  isVariantFile,
  parseVariants,
  sampleFeeds,
  variantFileName,
} from './transformers-variants.js';

describe('transformers.js variant names', () => {
  it('q8 is written as _quantized, the others under their own dtype', () => {
    expect(variantFileName('model', 'q8')).toBe('model_quantized.onnx');
    expect(variantFileName('decoder_model_merged', 'q4f16')).toBe(
      'decoder_model_merged_q4f16.onnx',
    );
  });

  it('a variant file is never taken for a model to derive from; model.onnx is', () => {
    expect(isVariantFile('model_fp16.onnx')).toBe(true);
    expect(isVariantFile('encoder_model_bnb4.onnx')).toBe(true);
    expect(isVariantFile('model.onnx')).toBe(false);
    expect(isVariantFile('decoder_model_merged.onnx')).toBe(false);
  });

  it('parses a list, all, or nothing; names an unknown dtype', () => {
    expect(parseVariants('q4,fp16')).toEqual(['q4', 'fp16']);
    expect(parseVariants(undefined)).toEqual(['fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16']);
    expect(parseVariants('all')).toEqual(parseVariants(undefined));
    try {
      parseVariants('q4,bnb4');
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'bad-argument')).toBe(true);
      expect((error as Error).message).toMatch(/'bnb4'/);
    }
  });
});

describe('sampleFeeds', () => {
  const input = (name: string, dtype: ModelInput['dtype'], dimNames: string[]): ModelInput => ({
    name,
    dtype,
    dims: dimNames.map((d) => (/^\d+$/.test(d) ? Number(d) : undefined)),
    dimNames,
  });

  it('fills dynamic axes (batch 1, others 16); ids 0, masks 1, floats in [-1, 1)', () => {
    const [feeds] = sampleFeeds(
      [
        input('input_ids', 'int64', ['batch_size', 'sequence_length']),
        input('attention_mask', 'int64', ['batch_size', 'sequence_length']),
        input('pixel_values', 'float32', ['batch', '3', '8', '8']),
      ],
      1,
    );
    expect(feeds!.input_ids).toMatchObject({ type: 'int64', dims: [1, 16] });
    expect([...(feeds!.input_ids!.data as BigInt64Array)].every((v) => v === 0n)).toBe(true);
    expect([...(feeds!.attention_mask!.data as BigInt64Array)].every((v) => v === 1n)).toBe(true);
    const pixels = feeds!.pixel_values!.data as Float32Array;
    expect(feeds!.pixel_values!.dims).toEqual([1, 3, 8, 8]);
    expect(pixels.every((v) => v >= -1 && v < 1)).toBe(true);
    expect(new Set(pixels).size).toBeGreaterThan(100);
  });
});

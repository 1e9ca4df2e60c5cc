// How `zeropoint bench` sizes dynamic dimensions: --dim first (by input and axis, then by
// symbolic name), then the first calibration sample, then 1 for batch axes and 224 for an image's
// height and width; whatever is left fails once, naming every dimension and the flags to pass.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../../core/errors.js';
import { IMAGE_SIZE, generatedFeeds, resolveShapes, type InputSpec } from './inputs.js';

const image: InputSpec = { name: 'x', type: 'float32', dims: ['p2o.Dim.0', 3, 'h', undefined] };
const tokens: InputSpec = { name: 'ids', type: 'int64', dims: [undefined, 'seq'] };

/** The message resolveShapes fails with. */
function failure(specs: InputSpec[], dims = new Map<string, number>()): string {
  try {
    resolveShapes(specs, dims);
  } catch (error) {
    if (isZeropointError(error, 'bad-argument')) return error.message;
    throw error;
  }
  throw new Error('resolveShapes did not fail');
}

describe('resolveShapes', () => {
  it('an NCHW image: batch 1, height and width 224, each recorded as a default', () => {
    expect(resolveShapes([image], new Map())).toEqual({
      shapes: { x: [1, 3, IMAGE_SIZE, IMAGE_SIZE] },
      defaults: { 'x:0': 1, 'x:2': IMAGE_SIZE, 'x:3': IMAGE_SIZE },
    });
  });

  it('an NHWC image takes the default height and width on axes 1 and 2', () => {
    const nhwc: InputSpec = { name: 'x', type: 'float32', dims: [1, 'h', 'w', 3] };
    expect(resolveShapes([nhwc], new Map()).shapes).toEqual({ x: [1, IMAGE_SIZE, IMAGE_SIZE, 3] });
  });

  it('a batch-named axis anywhere is 1; axis 0 is 1 whatever its name', () => {
    const spec: InputSpec = { name: 'a', type: 'float32', dims: ['time', 'batch_size', 5] };
    expect(resolveShapes([spec], new Map())).toEqual({
      shapes: { a: [1, 1, 5] },
      defaults: { 'a:0': 1, 'a:1': 1 },
    });
  });

  it('--dim by input and axis wins over --dim by name, which wins over the defaults', () => {
    const dims = new Map([
      ['h', 48],
      ['x:3', 192],
      ['x:2', 32],
      ['p2o.Dim.0', 2],
    ]);
    expect(resolveShapes([image], dims)).toEqual({ shapes: { x: [2, 3, 32, 192] }, defaults: {} });
  });

  it('a calibration sample sizes what --dim leaves open', () => {
    const sample = {
      x: { type: 'float32' as const, dims: [4, 3, 48, 96], data: new Float32Array() },
    };
    expect(resolveShapes([image], new Map([['x:3', 192]]), sample)).toEqual({
      shapes: { x: [4, 3, 48, 192] },
      defaults: {},
    });
  });

  it('lists every dimension it cannot size in one error, one flag per symbolic name', () => {
    const audio: InputSpec = { name: 'pcm', type: 'float32', dims: [1, 'seq', undefined] };
    expect(failure([tokens, audio])).toBe(
      "3 dynamic dimensions have no size: 'ids' axis 1 (seq), 'pcm' axis 1 (seq), 'pcm' axis 2; " +
        'pass --dim seq=N --dim pcm:2=N, or --calib with real samples',
    );
    expect(failure([tokens, audio], new Map([['seq', 7]]))).toMatch(
      /^1 dynamic dimension has no size: 'pcm' axis 2; pass --dim pcm:2=N,/,
    );
  });

  it('a rank-4 input without 1 or 3 channels is not an image: its dimensions need --dim', () => {
    const features: InputSpec = { name: 'f', type: 'float32', dims: [1, 16, 'h', 'w'] };
    expect(failure([features])).toMatch(
      /'f' axis 2 \(h\), 'f' axis 3 \(w\); pass --dim h=N --dim w=N/,
    );
  });
});

describe('generatedFeeds', () => {
  it('fills the resolved shapes deterministically: the same feeds twice', () => {
    const a = generatedFeeds([image, tokens], new Map([['seq', 5]]));
    expect(a.x!.dims).toEqual([1, 3, IMAGE_SIZE, IMAGE_SIZE]);
    expect(a.ids).toMatchObject({ type: 'int64', dims: [1, 5] });
    expect(generatedFeeds([image, tokens], new Map([['seq', 5]]))).toEqual(a);
  });
});

describe('generatedFeeds', () => {
  it('refuses an input too large to generate, naming it (a declared 2^31 dimension)', () => {
    const huge: InputSpec = { name: 'x', type: 'float32', dims: [1, 2 ** 31] };
    let message = '';
    try {
      generatedFeeds([huge], new Map());
    } catch (error) {
      if (!isZeropointError(error, 'bad-argument')) throw error;
      message = error.message;
    }
    expect(message).toMatch(/^input 'x' of shape \[1, 2147483648\] would hold 2147483648 elements/);
  });
});

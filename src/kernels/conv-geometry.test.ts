import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { convGeometry, convTaps, type ConvAttributes } from './conv-geometry.js';
import { convInteger } from './conv-integer.js';

const u8 = (shape: number[], values: number[]) => ({ data: Uint8Array.from(values), shape });
const i8 = (shape: number[], values: number[]) => ({ data: Int8Array.from(values), shape });

function code(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return isZeropointError(error) ? error.code : 'other';
  }
  return 'none';
}

describe('convGeometry', () => {
  it('resolves auto_pad: SAME_UPPER puts an odd pad at the end, SAME_LOWER at the start', () => {
    const g = (size: number, k: number, attributes: ConvAttributes) =>
      convGeometry([1, 1, size], [1, 1, k], attributes);
    expect(g(5, 3, { autoPad: 'SAME_UPPER', strides: [2] })).toMatchObject({
      pads: [1, 1],
      outSpatial: [3],
    });
    expect(g(6, 3, { autoPad: 'SAME_UPPER', strides: [2] })).toMatchObject({
      pads: [0, 1],
      outSpatial: [3],
    });
    expect(g(6, 3, { autoPad: 'SAME_LOWER', strides: [2] })).toMatchObject({
      pads: [1, 0],
      outSpatial: [3],
    });
    expect(g(7, 3, { autoPad: 'SAME_UPPER', dilations: [2] })).toMatchObject({
      pads: [2, 2],
      outSpatial: [7],
    });
    expect(g(7, 3, { autoPad: 'VALID', strides: [2] })).toMatchObject({
      pads: [0, 0],
      outSpatial: [3],
    });
    expect(g(2, 3, { autoPad: 'SAME_UPPER', strides: [3] })).toMatchObject({
      pads: [0, 1],
      outSpatial: [1],
    });
  });

  it('convTaps marks padded taps -1 and reads dilated, strided windows', () => {
    // 1-D: in 4, kernel 2, dilation 2, stride 2, pads [1, 1] -> out 2; taps at -1+0, -1+2 and 1, 3.
    const g = convGeometry([1, 1, 4], [1, 1, 2], { dilations: [2], strides: [2], pads: [1, 1] });
    expect(g.outSpatial).toEqual([2]);
    expect([...convTaps(g)]).toEqual([-1, 1, 1, 3]);
  });

  it('rejects inconsistent shapes and attributes', () => {
    const x = u8([1, 2, 4, 4], new Array<number>(32).fill(1));
    const w = u8([2, 1, 3, 3], new Array<number>(18).fill(1));
    expect(code(() => convInteger(x, w, undefined, undefined, { group: 2 }))).toBe('none');
    expect(code(() => convInteger(x, w))).toBe('bad-shape');
    expect(
      code(() => convInteger(x, w, undefined, undefined, { group: 2, kernelShape: [2, 2] })),
    ).toBe('bad-argument');
    expect(code(() => convInteger(x, w, undefined, undefined, { group: 2, strides: [1] }))).toBe(
      'bad-argument',
    );
    expect(
      code(() =>
        convInteger(x, w, undefined, undefined, { group: 2, autoPad: 'VALID', pads: [1, 1, 1, 1] }),
      ),
    ).toBe('bad-argument');
    expect(
      code(() =>
        convInteger(x, u8([2, 1, 5, 5], new Array<number>(50).fill(1)), undefined, undefined, {
          group: 2,
        }),
      ),
    ).toBe('bad-shape');
    expect(code(() => convInteger(x, w, u8([2], [1, 1]), undefined, { group: 2 }))).toBe(
      'bad-shape',
    );
    expect(code(() => convInteger(x, w, i8([], [1]), undefined, { group: 2 }))).toBe(
      'bad-argument',
    );
    expect(code(() => convInteger(x, w, undefined, u8([3], [1, 1, 1]), { group: 2 }))).toBe(
      'bad-shape',
    );
    expect(
      code(() => convInteger(u8([2, 4], new Array<number>(8).fill(0)), u8([1, 4], [1, 1, 1, 1]))),
    ).toBe('bad-shape');
  });
});

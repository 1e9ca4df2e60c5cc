// Image preprocessing from decoded pixels, without a decoder: channel conversion, the
// antialiased resize against hand-computed averages, crop and pad, and the plan's checks.
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../ptq/model-inputs.js';
import { convertChannels, resizeImage, type DecodedImage } from './image-resize.js';
import { planImageInput, preprocessImage } from './image.js';

function input(dims: (number | undefined)[]): ModelInput {
  return { name: 'image', dtype: 'float32', dims, dimNames: dims.map((d) => String(d ?? '?')) };
}

/** A `height` x `width` image whose pixel (y, x) channel k is `value(y, x, k)`. */
function image(
  height: number,
  width: number,
  channels: number,
  value: (y: number, x: number, k: number) => number,
): DecodedImage {
  const data = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < channels; k++) data[(y * width + x) * channels + k] = value(y, x, k);
    }
  }
  return { height, width, channels, data };
}

describe('image preprocessing', () => {
  it('resizing to the same size returns the pixels unchanged', () => {
    const src = image(3, 5, 3, (y, x, k) => (37 * y + 11 * x + 90 * k) % 256);
    expect(resizeImage(src, 3, 5).data).toEqual(src.data);
  });

  it('halving weighs the 3 nearest inputs 3/7, 3/7, 1/7 (triangle filter stretched by 2)', () => {
    const src = image(4, 4, 1, (y, x) => (x < 2 ? 0 : 140) + (y < 2 ? 0 : 70));
    // Along each axis, output 0 takes inputs 0, 1, 2 and output 1 inputs 1, 2, 3 (as Pillow's
    // bilinear resize): a 0, 0, a, a row gives a/7 and 6a/7.
    const out = resizeImage(src, 2, 2);
    expect(Array.from(out.data)).toEqual([20 + 10, 120 + 10, 20 + 60, 120 + 60]);
    expect(
      resizeImage(
        image(2, 2, 1, () => 77),
        1,
        1,
      ).data[0],
    ).toBe(77);
  });

  it('RGBA drops alpha, grey repeats, RGB to one channel is Rec. 601 luma', () => {
    const rgba = image(1, 1, 4, (_, __, k) => [10, 20, 30, 0][k]!);
    expect(Array.from(convertChannels(rgba, 3).data)).toEqual([10, 20, 30]);
    expect(
      Array.from(
        convertChannels(
          image(1, 1, 1, () => 9),
          3,
        ).data,
      ),
    ).toEqual([9, 9, 9]);
    const grey = convertChannels(
      image(1, 1, 3, (_, __, k) => [255, 0, 0][k]!),
      1,
    );
    expect(grey.data[0]).toBe(Math.round(0.299 * 255));
  });

  it('BGR NHWC with mean and std, and contain pads with black around the centered image', () => {
    const geometry = planImageInput(
      [input([1, 2, 4, 3])],
      {
        fit: 'contain',
        channels: 'BGR',
        scale: 1,
        mean: [1, 2, 3],
        std: [2],
      },
      1,
      'test',
    );
    expect(geometry.layout).toBe('NHWC');
    const src = image(1, 2, 3, (_, x, k) => 100 + 10 * x + k);
    const out = preprocessImage(src, geometry, 'wide.png');
    const at = (y: number, x: number): number[] =>
      Array.from(out.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
    // 1x2 fits 2x4 at scale 2: the rows stay 2, the columns double, nothing is padded here.
    expect(at(0, 0)).toEqual([(102 - 1) / 2, (101 - 2) / 2, (100 - 3) / 2]);
    const tall = planImageInput([input([1, 3, 2, 4])], { fit: 'contain', scale: 1 }, 1, 't');
    const padded = preprocessImage(
      image(2, 2, 3, () => 50),
      tall,
      'square.png',
    );
    // 2x2 into 2x4: one black column each side.
    expect([padded[0], padded[1], padded[2], padded[3]]).toEqual([0, 50, 50, 0]);
  });

  it('pixels that do not fill their stated size fail as bad-file naming the image', () => {
    const geometry = planImageInput([input([1, 3, 2, 2])], {}, 1, 'folder');
    const broken = { height: 2, width: 2, channels: 3, data: new Uint8Array(5) };
    expect(() => preprocessImage(broken, geometry, 'a.png')).toThrow(
      expect.objectContaining({ code: 'bad-file', context: { file: 'a.png' } }),
    );
  });
});

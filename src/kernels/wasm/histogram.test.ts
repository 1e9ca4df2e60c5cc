// histogramAddFast's hand-over of counts (histogramFlush): the kernel adds each bin's four lane
// counts to counts already held, as the loop it replaced did (counts[j] += h0 + h1 + h2 + h3 in
// f64), so fractional counts (left by merging histograms) and counts near 2^53 come out the same.
// Not the binning itself: observers/wasm-paths.test.ts checks counts against the reference loop.
import { describe, expect, it } from 'vitest';
import { histogramAddFast } from './histogram.js';
import { CHUNK } from './instance.js';

/** n values in [-4, 4) from a fixed-seed generator. */
function values(n: number): Float32Array {
  let s = 11;
  return Float32Array.from(
    { length: n },
    () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 8,
  );
}

describe('histogramAddFast adds into the counts it is given', () => {
  for (const bins of [2, 7, 2048]) {
    it(`as f64 counts[j] + (the bin's count), ${bins} bins`, () => {
      const x = values(2 * CHUNK + 5);
      const grid = { origin: Math.fround(-4), top: Math.fround(4), bins, start: 0, exponent: 0 };
      const fresh = new Float64Array(bins);
      expect(histogramAddFast(x, grid, fresh)).toBe(true);
      const held = Float64Array.from({ length: bins }, (_, j) =>
        j % 3 === 0 ? 0.1 * (j + 1) : j % 3 === 1 ? 2 ** 53 - j : 7,
      );
      const want = held.map((c, j) => c + fresh[j]!);
      expect(histogramAddFast(x, grid, held)).toBe(true);
      expect(Array.from(held)).toEqual(Array.from(want));
      expect(fresh.reduce((a, b) => a + b, 0)).toBe(x.length);
    });
  }
});

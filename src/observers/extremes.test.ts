// observeExtremes: a batch known by its min, max and count adds to a minmax or ema observer
// exactly what observing its values adds; per-axis observers refuse it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { EmaObserver } from './ema.js';
import { MinMaxObserver } from './minmax.js';

const batches = fc.array(
  fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 20 }),
  { minLength: 1, maxLength: 5 },
);

describe('observeExtremes', () => {
  for (const make of [() => new MinMaxObserver(), () => new EmaObserver({ momentum: 0.3 })]) {
    it(`equals observing the values (${make().kind})`, () => {
      fc.assert(
        fc.property(batches, (values) => {
          const [byValues, byExtremes] = [make(), make()];
          for (const v of values) {
            const x = Float32Array.from(v);
            byValues.observe(x);
            const min = x.length === 0 ? Infinity : Math.min(...x);
            const max = x.length === 0 ? -Infinity : Math.max(...x);
            byExtremes.observeExtremes(min, max, x.length);
          }
          expect(JSON.stringify(byExtremes.toJSON())).toBe(JSON.stringify(byValues.toJSON()));
        }),
      );
    });
  }

  it('a per-axis observer refuses extremes with bad-argument', () => {
    try {
      new MinMaxObserver({ axis: 1 }).observeExtremes(0, 1, 4);
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'bad-argument')).toBe(true);
    }
  });
});

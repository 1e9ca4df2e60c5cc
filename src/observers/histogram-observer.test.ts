// The histogram-family observer: which range each method reports, the default spec, and
// qparams through core.
import { describe, expect, it } from 'vitest';
import { chooseQParams } from '../core/index.js';
import { HistogramObserver } from './histogram-observer.js';
import { DEFAULT_RANGE_SPEC } from './observer.js';
import { studentT } from './test-data.js';

describe('HistogramObserver', () => {
  const x = studentT(20_000);

  it('the histogram method reports the exact min and max', () => {
    const o = new HistogramObserver('histogram');
    o.observe(x);
    const min = x.reduce((a, b) => Math.min(a, b));
    const max = x.reduce((a, b) => Math.max(a, b));
    expect(o.range()).toEqual({ min, max });
  });

  it('clipping methods report a range inside it, and qparams follow that range', () => {
    for (const kind of ['percentile', 'entropy', 'mse'] as const) {
      const o = new HistogramObserver(kind);
      o.observe(x);
      const full = o.snapshot();
      for (const spec of [
        { qtype: 'int8', scheme: 'symmetric' },
        { qtype: 'uint8', scheme: 'asymmetric' },
      ] as const) {
        const r = o.range(spec);
        expect(r.min).toBeGreaterThanOrEqual(full.min);
        expect(r.max).toBeLessThanOrEqual(full.max);
        expect(r.max - r.min).toBeLessThan(full.max - full.min);
        const p = o.qparams(spec);
        const q = chooseQParams(r.min, r.max, spec);
        expect([p.scale[0], p.zeroPoint[0]]).toEqual([Math.fround(q.scale), q.zeroPoint]);
      }
    }
  });

  it('range() without a spec uses asymmetric uint8', () => {
    const o = new HistogramObserver('entropy');
    o.observe(x);
    expect(o.range()).toEqual(o.range(DEFAULT_RANGE_SPEC));
    expect(DEFAULT_RANGE_SPEC).toEqual({ qtype: 'uint8', scheme: 'asymmetric' });
  });

  it('an observer that saw no finite value gives [0, 0] for every method', () => {
    for (const kind of ['histogram', 'percentile', 'entropy', 'mse'] as const) {
      const o = new HistogramObserver(kind);
      o.observe(Float32Array.of(NaN, Infinity));
      expect(o.range()).toEqual({ min: 0, max: 0 });
      expect(o.counts()).toEqual({ finite: 0, nan: 1, infinite: 1 });
    }
  });

  it('all zeros give [0, 0] and a finite scale', () => {
    const o = new HistogramObserver('mse');
    o.observe(new Float32Array(100));
    expect(o.range()).toEqual({ min: 0, max: 0 });
    expect(o.qparams({ qtype: 'int8', scheme: 'symmetric' }).scale[0]).toBe(1);
  });
});

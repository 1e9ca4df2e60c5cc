// MinMax observer: exact running extremes per tensor and per channel, NaN/Inf skipped and
// counted, empty data, validation, and qparams through core.
import { describe, expect, it } from 'vitest';
import { chooseQParams, isZeropointError } from '../core/index.js';
import { EmaObserver } from './ema.js';
import { MinMaxObserver } from './minmax.js';

describe('MinMaxObserver', () => {
  it('keeps the exact min and max over batches', () => {
    const o = new MinMaxObserver();
    o.observe(Float32Array.of(0.5, -1.25, 3));
    o.observe(Float32Array.of(7.5, 0));
    expect(o.range()).toEqual({ min: -1.25, max: 7.5 });
    expect(o.counts()).toEqual({ finite: 5, nan: 0, infinite: 0 });
  });

  it('skips NaN and +-Inf but counts them', () => {
    const o = new MinMaxObserver();
    o.observe(Float32Array.of(NaN, 2, Infinity, -3, -Infinity, NaN));
    expect(o.range()).toEqual({ min: -3, max: 2 });
    expect(o.counts()).toEqual({ finite: 2, nan: 2, infinite: 2 });
  });

  it('an observer that saw nothing finite reports [0, 0] and a safe scale', () => {
    const o = new MinMaxObserver();
    o.observe(new Float32Array(0));
    o.observe(Float32Array.of(NaN));
    expect(o.range()).toEqual({ min: 0, max: 0 });
    const p = o.qparams({ qtype: 'uint8', scheme: 'asymmetric' });
    expect([p.scale[0], p.zeroPoint[0]]).toEqual([1, 0]);
  });

  it('qparams equal chooseQParams of the observed range', () => {
    const o = new MinMaxObserver();
    o.observe(Float32Array.of(-0.7, 2.9, 1));
    const spec = { qtype: 'uint8', scheme: 'asymmetric' } as const;
    const p = o.qparams(spec);
    const q = chooseQParams(-0.7, 2.9, spec);
    expect([p.scale[0], p.zeroPoint[0]]).toEqual([Math.fround(q.scale), q.zeroPoint]);
  });

  it('per channel keeps one range per index of the axis', () => {
    const o = new MinMaxObserver({ axis: -1 });
    o.observe(Float32Array.of(1, -2, 3, 4, 5, -6), [2, 3]);
    o.observe(Float32Array.of(0, 9, NaN, 0, 0, NaN), [2, 3]);
    const r = o.range();
    expect(r).toEqual({ min: Float32Array.of(0, -2, -6), max: Float32Array.of(4, 9, 3) });
    const p = o.qparams({ qtype: 'int8', scheme: 'symmetric' });
    expect(p.granularity).toEqual({ kind: 'per-axis', axis: -1 });
    expect(p.scale).toHaveLength(3);
  });

  it('a channel that never saw a finite value gets [0, 0]', () => {
    const o = new MinMaxObserver({ axis: 0 });
    o.observe(Float32Array.of(NaN, NaN, 1, 2), [2, 2]);
    expect(o.range()).toEqual({ min: Float32Array.of(0, 1), max: Float32Array.of(0, 2) });
  });

  it('per channel needs a shape, and the same channel count every batch', () => {
    const o = new MinMaxObserver({ axis: 0 });
    expect(() => o.observe(Float32Array.of(1, 2))).toThrow(/needs the shape/);
    o.observe(Float32Array.of(1, 2), [2, 1]);
    expect(() => o.observe(Float32Array.of(1, 2, 3), [3, 1])).toThrow(/3 channels/);
    expect(() => o.observe(Float32Array.of(1, 2, 3), [2, 1])).toThrow(/shape/);
  });

  it('merges only with a minmax observer on the same axis', () => {
    const o = new MinMaxObserver();
    const err = (f: () => void): boolean => {
      try {
        f();
      } catch (e) {
        return isZeropointError(e, 'bad-argument');
      }
      return false;
    };
    expect(err(() => o.merge(new MinMaxObserver({ axis: 0 })))).toBe(true);
    expect(err(() => o.merge(new EmaObserver()))).toBe(true);
  });

  it('round-trips through JSON, empty groups as null', () => {
    const o = new MinMaxObserver({ axis: 1 });
    o.observe(Float32Array.of(1, NaN, -2, NaN), [2, 2]);
    const json = JSON.parse(JSON.stringify(o)) as unknown;
    expect(json).toMatchObject({ kind: 'minmax', axis: 1, min: [-2, null], max: [1, null] });
    const back = MinMaxObserver.fromJSON(json);
    expect(back.toJSON()).toEqual(o.toJSON());
    expect(back.range()).toEqual(o.range());
  });
});

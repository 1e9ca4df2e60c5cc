// Moving-average observer: the first batch initialises, later ones move the range by the
// momentum in float32 steps, merge appends batches, and validation.
import { describe, expect, it } from 'vitest';
import { EmaObserver } from './ema.js';

describe('EmaObserver', () => {
  it('the first batch sets the range, the next moves it by momentum', () => {
    const o = new EmaObserver({ momentum: 0.5 });
    o.observe(Float32Array.of(-2, 4));
    expect(o.range()).toEqual({ min: -2, max: 4 });
    o.observe(Float32Array.of(0, 8));
    expect(o.range()).toEqual({ min: -1, max: 6 });
  });

  it('uses float32 arithmetic at each step, as PyTorch does', () => {
    const o = new EmaObserver();
    o.observe(Float32Array.of(0, 1));
    o.observe(Float32Array.of(0, 3));
    const c = Math.fround(0.01);
    expect(o.range().max).toBe(Math.fround(1 + Math.fround(c * 2)));
  });

  it('a batch with no finite value leaves the range alone', () => {
    const o = new EmaObserver({ momentum: 0.5 });
    o.observe(Float32Array.of(1, 2));
    o.observe(Float32Array.of(NaN, Infinity));
    o.observe(new Float32Array(0));
    expect(o.range()).toEqual({ min: 1, max: 2 });
    expect(o.counts()).toEqual({ finite: 2, nan: 1, infinite: 1 });
  });

  it('merge equals observing the other batches afterwards (d^k v + other - d^k first)', () => {
    const batches = [
      Float32Array.of(-1, 1),
      Float32Array.of(-3, 2),
      Float32Array.of(0.5, 9),
      Float32Array.of(-7, 4),
      Float32Array.of(-2, 2),
    ];
    const serial = new EmaObserver({ momentum: 0.25 });
    for (const b of batches) serial.observe(b);
    const a = new EmaObserver({ momentum: 0.25 });
    const b = new EmaObserver({ momentum: 0.25 });
    batches.slice(0, 2).forEach((x) => a.observe(x));
    batches.slice(2).forEach((x) => b.observe(x));
    a.merge(b);
    const r = a.range() as { min: number; max: number };
    const s = serial.range() as { min: number; max: number };
    expect(r.min).toBeCloseTo(s.min, 5);
    expect(r.max).toBeCloseTo(s.max, 5);
  });

  it('merging into an empty observer copies the other', () => {
    const a = new EmaObserver();
    const b = new EmaObserver();
    b.observe(Float32Array.of(-1, 3));
    b.observe(Float32Array.of(-2, 5));
    a.merge(b);
    expect(a.toJSON()).toEqual(b.toJSON());
  });

  it('refuses a momentum outside (0, 1] and merging a different momentum', () => {
    expect(() => new EmaObserver({ momentum: 0 })).toThrow(/momentum/);
    expect(() => new EmaObserver({ momentum: 1.5 })).toThrow(/momentum/);
    expect(() => new EmaObserver().merge(new EmaObserver({ momentum: 0.1 }))).toThrow(/merge/);
  });

  it('per channel averages each channel on its own', () => {
    const o = new EmaObserver({ momentum: 0.5, axis: 0 });
    o.observe(Float32Array.of(1, 2, 10, 20), [2, 2]);
    o.observe(Float32Array.of(3, 4, 30, 40), [2, 2]);
    expect(o.range()).toEqual({ min: Float32Array.of(2, 20), max: Float32Array.of(3, 30) });
  });

  it('round-trips through JSON', () => {
    const o = new EmaObserver({ momentum: 0.1, axis: 0 });
    o.observe(Float32Array.of(1, 2, 10, 20), [2, 2]);
    o.observe(Float32Array.of(3, 4, 30, 40), [2, 2]);
    const back = EmaObserver.fromJSON(JSON.parse(JSON.stringify(o)));
    expect(back.toJSON()).toEqual(o.toJSON());
    back.observe(Float32Array.of(0, 0, 0, 0), [2, 2]);
    o.observe(Float32Array.of(0, 0, 0, 0), [2, 2]);
    expect(back.range()).toEqual(o.range());
  });
});

// The registry as the CLI uses it: a method name and options make an observer, batches with a
// shape go in, range() and qparams(spec) come out; JSON comes back through observerFromJSON.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { HistogramObserver } from './histogram-observer.js';
import { METHOD_TRAITS, methodsWith } from './method-traits.js';
import { isPerAxisRange } from './observer.js';
import { createObserver, isObserverKind, observerFromJSON, OBSERVERS } from './registry.js';
import { gaussian, laplace } from './test-data.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isZeropointError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('registry', () => {
  it('names exactly the six methods', () => {
    expect([...OBSERVERS.keys()]).toEqual([
      'minmax',
      'ema',
      'histogram',
      'percentile',
      'entropy',
      'mse',
    ]);
    expect(isObserverKind('entropy')).toBe(true);
    expect(isObserverKind('kl')).toBe(false);
  });

  it('declares traits for exactly its methods; histogram ones make histogram observers', () => {
    expect([...METHOD_TRAITS.keys()]).toEqual([...OBSERVERS.keys()]);
    for (const [method, traits] of METHOD_TRAITS) {
      expect(createObserver(method) instanceof HistogramObserver).toBe(traits.histogram);
    }
    expect(methodsWith('histogram')).toEqual(['histogram', 'percentile', 'entropy', 'mse']);
    expect(methodsWith('clips')).toEqual(['percentile', 'entropy', 'mse']);
  });

  it('every method observes batches and gives a range and qparams', () => {
    const batches = [gaussian(3000, 1), laplace(3000, 2)];
    for (const method of OBSERVERS.keys()) {
      const o = createObserver(method);
      for (const b of batches) o.observe(b, [30, 100]);
      expect(o.kind).toBe(method);
      const r = o.range({ qtype: 'int8', scheme: 'symmetric' });
      expect(isPerAxisRange(r)).toBe(false);
      const p = o.qparams({ qtype: 'int8', scheme: 'symmetric' });
      expect(p.scale[0]).toBeGreaterThan(0);
      expect(p.zeroPoint[0]).toBe(0);
      expect(o.counts()).toEqual({ finite: 6000, nan: 0, infinite: 0 });
    }
  });

  it('the CLI options reach their observers: bins, percentile, momentum, axis', () => {
    const x = laplace(10_000);
    const p90 = createObserver('percentile', { percentile: 90, bins: 512 });
    const p99 = createObserver('percentile', { percentile: 99.99, bins: 512 });
    p90.observe(x);
    p99.observe(x);
    const spec = { qtype: 'uint8', scheme: 'asymmetric' } as const;
    expect((p90.range(spec) as { max: number }).max).toBeLessThan(
      (p99.range(spec) as { max: number }).max,
    );
    expect(p90.toJSON()).toMatchObject({ percentile: 90, histogram: { bins: 512 } });
    expect(createObserver('ema', { momentum: 0.5 }).toJSON()).toMatchObject({ momentum: 0.5 });
    const perAxis = createObserver('minmax', { axis: 0 });
    perAxis.observe(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const r = perAxis.range();
    expect(isPerAxisRange(r) && Array.from(r.max)).toEqual([3, 6]);
  });

  it('refuses unknown methods and options that do not apply, with bad-argument', () => {
    expect(code(() => createObserver('kl'))).toBe('bad-argument');
    expect(code(() => createObserver('minmax', { bins: 10 }))).toBe('bad-argument');
    expect(code(() => createObserver('entropy', { percentile: 99 }))).toBe('bad-argument');
    expect(code(() => createObserver('histogram', { axis: 0 }))).toBe('bad-argument');
    expect(code(() => createObserver('mse', { search: 'torch' }))).toBeUndefined();
  });

  it('observerFromJSON dispatches on kind and refuses what it cannot read', () => {
    for (const method of OBSERVERS.keys()) {
      const o = createObserver(method);
      o.observe(gaussian(100));
      expect(observerFromJSON(JSON.parse(JSON.stringify(o))).kind).toBe(method);
    }
    expect(code(() => observerFromJSON({ kind: 'kl', version: 1 }))).toBe('bad-argument');
    expect(code(() => observerFromJSON([]))).toBe('bad-argument');
    expect(code(() => observerFromJSON({ kind: 'minmax', version: 2 }))).toBe('bad-argument');
  });

  it('histogram-family observers merge with each other: one state, any method', () => {
    const h = createObserver('histogram');
    h.observe(laplace(5000, 1));
    const e = createObserver('entropy');
    e.observe(laplace(5000, 2));
    e.merge(h);
    expect(e.counts().finite).toBe(10_000);
    expect(code(() => e.merge(createObserver('minmax')))).toBe('bad-argument');
  });
});

// The calibration cache: fingerprints tell models apart, results merge only with results of
// the same model, method and tensors, and reading ranges with another method works exactly
// where the stored statistics allow it. Built from observers directly, without a model.
import { describe, expect, it } from 'vitest';
import { createObserver, type ObserverKind } from '../observers/index.js';
import { modelFingerprint, mergeCalibration } from './calibration-cache.js';
import { CalibrationResult } from './calibration-result.js';

function result(method: ObserverKind, data: Float32Array, model = 'm'): CalibrationResult {
  const observer = createObserver(method);
  observer.observe(data);
  return new CalibrationResult({
    model,
    tensors: ['t'],
    method,
    options: {},
    observers: new Map([['t', observer]]),
    batches: 1,
    samples: 1,
    notes: [],
  });
}

describe('modelFingerprint', () => {
  const bytes = Uint8Array.from({ length: 1027 }, (_, i) => (i * 31) % 251);

  it('changes when any one byte changes, the last one included', () => {
    const base = modelFingerprint(bytes);
    for (const at of [0, 500, 1026]) {
      const changed = bytes.slice();
      changed[at] = changed[at]! ^ 1;
      expect(modelFingerprint(changed)).not.toBe(base);
    }
    expect(base).toMatch(/^1027:[0-9a-f]{16}$/);
  });

  it('is the same for a copy at an unaligned offset', () => {
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    expect(modelFingerprint(padded.subarray(1))).toBe(modelFingerprint(bytes));
  });

  it('is the same for a Node Buffer at an unaligned offset (its slice() is a view, not a copy)', () => {
    const buffer = Buffer.concat([Buffer.alloc(1), Buffer.from(bytes)]).subarray(1);
    expect(modelFingerprint(buffer)).toBe(modelFingerprint(bytes));
  });
});

describe('mergeCalibration and method switching', () => {
  const x = Float32Array.of(-1, 0.5, 2, 7);
  const y = Float32Array.of(-3, 1);

  it('merging leaves both shards unchanged', () => {
    const a = result('minmax', x);
    const b = result('minmax', y);
    const merged = mergeCalibration(a, b);
    expect(merged.range('t')).toEqual({ min: -3, max: 7 });
    expect(a.range('t')).toEqual({ min: -1, max: 7 });
    expect(b.range('t')).toEqual({ min: -3, max: 1 });
  });

  it('shards of other models, methods or tensors do not merge', () => {
    expect(() => mergeCalibration(result('minmax', x), result('minmax', y, 'other'))).toThrow(
      /different models/,
    );
    expect(() => mergeCalibration(result('minmax', x), result('ema', y))).toThrow(
      /different methods/,
    );
    const c = result('minmax', y);
    const renamed = new CalibrationResult({
      ...c,
      tensors: ['u'],
      observers: new Map([['u', c.observer('t')]]),
    });
    expect(() => mergeCalibration(result('minmax', x), renamed)).toThrow(/different tensors/);
  });

  it('minmax statistics cannot answer a clipping method, and say how to get one', () => {
    expect(() => result('minmax', x).range('t', { method: 'entropy' })).toThrow(
      /calibrate again with --method entropy/,
    );
    expect(() => result('percentile', x).range('t', { method: 'ema' })).toThrow(/ema/);
  });

  it('a histogram answers minmax with its exact extremes', () => {
    expect(result('entropy', x).range('t', { method: 'minmax' })).toEqual({ min: -1, max: 7 });
  });

  it('a percentile override reads a different clip from the same histogram', () => {
    const many = Float32Array.from({ length: 10000 }, (_, i) => i);
    const r = result('percentile', many);
    const wide = r.range('t');
    const narrow = r.range('t', { percentile: 90 });
    expect(narrow.max).toBeLessThan(wide.max);
    expect(narrow.max).toBeCloseTo(9000, -2);
  });

  it('asking for a tensor that was not calibrated names it and the reason', () => {
    const r = new CalibrationResult({
      ...result('minmax', x),
      notes: [{ tensor: 's', reason: 'int64, not float32' }],
    });
    expect(() => r.range('s')).toThrow(/'s' has no calibration: int64, not float32/);
    expect(() => r.range('q')).toThrow(/not requested/);
  });

  it('fromJSON rejects what is not a calibration cache', () => {
    expect(() => CalibrationResult.fromJSON({ format: 'other' })).toThrow(
      /not a zeropoint calibration cache/,
    );
    const json = JSON.parse(JSON.stringify(result('minmax', x))) as Record<string, unknown>;
    expect(() => CalibrationResult.fromJSON({ ...json, method: 'magic' })).toThrow(
      /unknown calibration method/,
    );
    expect(() => CalibrationResult.fromJSON({ ...json, samples: -1 })).toThrow(/"samples"/);
    expect(CalibrationResult.fromJSON(json).range('t')).toEqual({ min: -1, max: 7 });
    const options = { bins: 64, range: { min: -8, max: 8 } };
    expect(CalibrationResult.fromJSON({ ...json, options }).options).toEqual(options);
    expect(() => CalibrationResult.fromJSON({ ...json, options: { colour: 1 } })).toThrow(
      /option "colour" is not understood/,
    );
  });
});

// calibrate() end to end on tiny two-input models built in code: the ranges it reports equal a
// min/max computed by hand from the same feeds, shards merge into one pass, the cache round
// trips and detects another model, and bad data fails naming the input, sample or tensor.
import { describe, expect, it } from 'vitest';
import { isZeropointError, type ErrorCode } from '../src/core/errors.js';
import { attr } from '../src/onnx/graph-node.js';
import { readModel, writeModel } from '../src/onnx/model.js';
import {
  calibrate,
  CalibrationResult,
  checkCalibrationCache,
  mergeCalibration,
  type Feeds,
} from '../src/ptq/index.js';
import { GraphBuilder } from './helpers/graph-builder.js';

const W = Float32Array.of(1.5, -2, 0.25, 3);

/** a, b: f32 [N, 4] -> m = a * W, r = Relu(m), s = r + b, y = s * 0.5 (plus an int64 Shape). */
function tinyModel(): { bytes: Uint8Array; m: string; r: string; s: string; shape: string } {
  const g = new GraphBuilder();
  const a = g.input('a', 'float32', ['N', 4]);
  const b = g.input('b', 'float32', ['N', 4]);
  const w = g.initializer('w', 'float32', [4], W);
  const half = g.initializer('half', 'float32', [], [0.5]);
  const m = g.op('Mul', [a, w]);
  const r = g.op('Relu', [m]);
  const s = g.op('Add', [r, b]);
  const shape = g.op('Shape', [s]);
  g.output(g.op('Mul', [s, half]), 'float32', ['N', 4]);
  g.output(shape, 'int64', [2]);
  return { bytes: g.bytes(), m, r, s, shape };
}

/** Seeded uniform values in [-3, 3), as float32. */
function values(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 6 - 3;
  });
}

function feeds(rows: number, seed: number): Feeds {
  return {
    a: { type: 'float32', dims: [rows, 4], data: values(rows * 4, seed) },
    b: { type: 'float32', dims: [rows, 4], data: values(rows * 4, seed + 1000) },
  };
}

/** The same tensors computed in float32 by hand, with their extremes over all batches. */
function handRanges(batches: readonly Feeds[]): Record<string, { min: number; max: number }> {
  const out: Record<string, { min: number; max: number }> = {};
  const see = (name: string, v: number): void => {
    const r = (out[name] ??= { min: Infinity, max: -Infinity });
    r.min = Math.min(r.min, v);
    r.max = Math.max(r.max, v);
  };
  for (const f of batches) {
    const a = f.a!.data as Float32Array;
    const b = f.b!.data as Float32Array;
    for (let i = 0; i < a.length; i++) {
      const m = Math.fround(a[i]! * W[i % 4]!);
      const r = Math.max(m, 0);
      see('a', a[i]!);
      see('m', m);
      see('r', r);
      see('s', Math.fround(r + b[i]!));
    }
  }
  return out;
}

async function code(promise: Promise<unknown>): Promise<{ code: ErrorCode; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isZeropointError(error)) return { code: error.code, error };
    throw error;
  }
  throw new Error('expected a ZeropointError');
}

describe('calibrate on a tiny two-input model', () => {
  const model = tinyModel();
  const names = ['a', model.m, model.r, model.s, model.shape];
  const data = [feeds(3, 1), feeds(5, 2), feeds(2, 3), feeds(4, 4)];

  it('minmax ranges equal the min and max computed by hand from the same feeds', async () => {
    const result = await calibrate(model.bytes, names, data, { method: 'minmax' });
    const hand = handRanges(data);
    const ranges = result.ranges();
    expect(ranges.get('a')).toEqual(hand.a);
    expect(ranges.get(model.m)).toEqual(hand.m);
    expect(ranges.get(model.r)).toEqual(hand.r);
    expect(ranges.get(model.s)).toEqual(hand.s);
    expect([result.batches, result.samples]).toEqual([4, 14]);
  });

  it('skips the int64 Shape output with a note instead of observing it', async () => {
    const result = await calibrate(model.bytes, names, data, { method: 'minmax' });
    expect(result.observers.has(model.shape)).toBe(false);
    expect(result.notes).toEqual([{ tensor: model.shape, reason: 'int64, not float32' }]);
  });

  it('leaves the caller’s ModelProto unchanged', async () => {
    const proto = readModel(model.bytes);
    const before = writeModel(proto);
    await calibrate(proto, names, data, { method: 'minmax' });
    expect(writeModel(proto)).toEqual(before);
    expect(proto.graph!.output.map((o) => o.name)).toHaveLength(2);
  });

  it('merging two shards equals one pass over all batches', async () => {
    const whole = await calibrate(model.bytes, names, data, { method: 'minmax' });
    const first = await calibrate(model.bytes, names, data.slice(0, 2), { method: 'minmax' });
    const second = await calibrate(model.bytes, names, data.slice(2), { method: 'minmax' });
    const merged = mergeCalibration(first, second);
    expect(merged.ranges()).toEqual(whole.ranges());
    expect([merged.batches, merged.samples]).toEqual([4, 14]);
    expect(first.samples).toBe(8);
  });

  it('histogram shards on one fixed grid merge exactly, for every histogram method', async () => {
    const options = {
      method: 'percentile',
      observerOptions: { bins: 256, range: { min: -8, max: 8 } },
    } as const;
    const whole = await calibrate(model.bytes, names, data, options);
    const merged = mergeCalibration(
      await calibrate(model.bytes, names, data.slice(0, 1), options),
      await calibrate(model.bytes, names, data.slice(1), options),
    );
    for (const method of ['percentile', 'entropy', 'mse', 'histogram'] as const) {
      expect(merged.ranges({ method })).toEqual(whole.ranges({ method }));
    }
  });

  it('the result survives JSON and reads the same ranges with any histogram method', async () => {
    const result = await calibrate(model.bytes, names, data, { method: 'entropy' });
    const back = CalibrationResult.fromJSON(JSON.parse(JSON.stringify(result)));
    for (const method of ['entropy', 'percentile', 'mse', 'histogram', 'minmax'] as const) {
      expect(back.ranges({ method })).toEqual(result.ranges({ method }));
    }
    expect(back.ranges({ method: 'minmax' }).get(model.s)).toEqual(handRanges(data).s);
    expect(back.notes).toEqual(result.notes);
  });

  it('a cache made on another model is detected by its fingerprint', async () => {
    const result = await calibrate(model.bytes, names, data, { method: 'minmax' });
    expect(() => checkCalibrationCache(result, model.bytes, names)).not.toThrow();
    const other = tinyModel().bytes.slice();
    other[other.length - 1] = other[other.length - 1]! ^ 1;
    const stale = (() => {
      try {
        checkCalibrationCache(result, other, names);
      } catch (error) {
        return error;
      }
    })();
    expect(isZeropointError(stale, 'bad-argument')).toBe(true);
    expect((stale as Error).message).toMatch(/belongs to another model/);
    expect(() => checkCalibrationCache(result, model.bytes, [...names, 'extra'])).toThrow(
      /does not cover/,
    );
  });

  it('NaN in an input fails naming the input and the sample', async () => {
    const bad = feeds(5, 9);
    (bad.b!.data as Float32Array)[4 * 3 + 2] = NaN;
    const { code: c, error } = await code(
      calibrate(model.bytes, names, [feeds(3, 1), bad], { method: 'minmax' }),
    );
    expect(c).toBe('bad-calibration-data');
    expect((error as { context: unknown }).context).toMatchObject({ input: 'b', sample: 6 });
    expect((error as Error).message).toMatch(/input 'b'.*sample 6/);
  });

  it('empty calibration data fails with "no calibration samples"', async () => {
    const { code: c, error } = await code(calibrate(model.bytes, names, [], { method: 'minmax' }));
    expect(c).toBe('bad-calibration-data');
    expect((error as Error).message).toBe('no calibration samples');
  });

  it('a shape mismatch fails naming the input before running', async () => {
    const wrong: Feeds = {
      ...feeds(2, 1),
      b: { type: 'float32', dims: [2, 5], data: new Float32Array(10) },
    };
    const { code: c, error } = await code(
      calibrate(model.bytes, names, [wrong], { method: 'minmax' }),
    );
    expect(c).toBe('bad-calibration-data');
    expect((error as Error).message).toMatch(/input 'b' expects shape \[N, 4\].*\[2, 5\]/);
  });

  it('a missing input and an unknown tensor name both fail clearly', async () => {
    const { a } = feeds(2, 1);
    expect(
      (await code(calibrate(model.bytes, names, [{ a: a! }], { method: 'minmax' }))).code,
    ).toBe('bad-calibration-data');
    expect((await code(calibrate(model.bytes, ['nope'], data, { method: 'minmax' }))).code).toBe(
      'bad-argument',
    );
  });

  it('regrouping into batches of 4 gives the same ranges and reports progress in samples', async () => {
    const seen: [number, number | undefined][] = [];
    const result = await calibrate(model.bytes, names, data, {
      method: 'minmax',
      batchSize: 4,
      total: 14,
      onProgress: (done, total) => seen.push([done, total]),
    });
    expect(result.ranges()).toEqual(
      (await calibrate(model.bytes, names, data, { method: 'minmax' })).ranges(),
    );
    expect(result.batches).toBe(4);
    expect(seen).toEqual([
      [4, 14],
      [8, 14],
      [12, 14],
      [14, 14],
    ]);
  });
});

describe('calibrate on tensors of undeclared type', () => {
  it('an intermediate that turns out to be int64 is skipped with a note after the first run', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['N', 3]);
    const relu = g.op('Relu', [x]);
    const shape = g.op('Shape', [relu]);
    const cast = g.op('Cast', [shape], [attr.int('to', 1)]);
    g.output(g.op('Add', [cast, cast]), 'float32', [2]);
    const batch: Feeds = {
      x: { type: 'float32', dims: [2, 3], data: Float32Array.of(-1, 2, 3, 4, -5, 6) },
    };
    const result = await calibrate(g.bytes(), [relu, shape, cast], [batch, batch], {
      method: 'minmax',
    });
    expect(result.notes).toEqual([{ tensor: shape, reason: 'int64, not float32' }]);
    expect(result.range(relu)).toEqual({ min: 0, max: 6 });
    expect(result.range(cast)).toEqual({ min: 2, max: 3 });
  });
});

describe('calibrate on non-finite activations', () => {
  it('an infinite activation fails naming the tensor and the batch index', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['N', 2]);
    const log = g.op('Log', [x]);
    g.output(g.op('Neg', [log]), 'float32', ['N', 2]);
    const batches: Feeds[] = [
      { x: { type: 'float32', dims: [1, 2], data: Float32Array.of(1, 2) } },
      { x: { type: 'float32', dims: [1, 2], data: Float32Array.of(0, 2) } },
    ];
    const { code: c, error } = await code(
      calibrate(g.bytes(), [log], batches, { method: 'minmax' }),
    );
    expect(c).toBe('bad-calibration-data');
    expect((error as Error).message).toMatch(new RegExp(`tensor '${log}'.*1 infinite.*batch 1`));
    expect((error as { context: unknown }).context).toEqual({ tensor: log });
  });
});

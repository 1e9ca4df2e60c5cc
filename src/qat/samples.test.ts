// collectSamples' input checks (the teacher is never reached, so none is created) and the
// seeded epoch order: each epoch a permutation, the same for the same seed; byShape's groups.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import type { Session } from '../runtime/onnxruntime.js';
import { byShape, collectSamples, seededRandom, shuffledIndices, type Sample } from './samples.js';

const noTeacher = {} as unknown as Session;
const floats = (dims: number[]) => ({
  type: 'float32' as const,
  dims,
  data: new Float32Array(dims.reduce((a, b) => a * b, 1)),
});

describe('collectSamples', () => {
  it('refuses an input without the batch axis the first input has, naming it', async () => {
    const batch = { x: floats([4, 3]), mask: floats([1, 3]) };
    const error: unknown = await collectSamples([batch], noTeacher, ['y']).catch((e: unknown) => e);
    expect(isZeropointError(error, 'bad-calibration-data')).toBe(true);
    expect(String(error)).toMatch(/'mask'.*batch 0.*\[1, 3\].*4/);
  });

  it('refuses float16 inputs (the executor trains float32)', async () => {
    const half = { type: 'float16' as const, dims: [2, 3], data: new Uint16Array(6) };
    const error: unknown = await collectSamples([{ x: half }], noTeacher, ['y']).catch(
      (e: unknown) => e,
    );
    expect(isZeropointError(error, 'bad-calibration-data')).toBe(true);
  });
});

describe('shuffledIndices', () => {
  it('yields a permutation per epoch, the same for the same seed', () => {
    const take = (seed: number) => {
      const it = shuffledIndices(7, seededRandom(seed));
      return Array.from({ length: 14 }, () => it.next().value as number);
    };
    const a = take(3);
    expect(take(3)).toEqual(a);
    expect([...a.slice(0, 7)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...a.slice(7)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(take(4)).not.toEqual(a);
  });
});

describe('byShape', () => {
  const sample = (key: string, index: number) => ({ key, index }) as unknown as Sample;
  it('groups by shape in first-seen order and splits a group into runs of at most `most`', () => {
    const samples = [0, 1, 2, 3, 4, 5].map((i) => sample(i === 2 ? 'b' : 'a', i));
    const indices = (groups: Sample[][]) => groups.map((g) => g.map((s) => s.index));
    expect(indices(byShape(samples))).toEqual([[0, 1, 3, 4, 5], [2]]);
    expect(indices(byShape(samples, 2))).toEqual([[0, 1], [3, 4], [5], [2]]);
  });
});

// The batch scan against a plain reference loop, on data with NaN, +-Inf, -0 and odd lengths;
// per-channel scans against scans of each channel slice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scan, scanGroups } from './scan.js';

function reference(x: Float32Array): { min: number; max: number; finite: number; nan: number } {
  let min = Infinity;
  let max = -Infinity;
  let finite = 0;
  let nan = 0;
  for (const v of x) {
    if (Number.isNaN(v)) nan++;
    else if (Number.isFinite(v)) {
      finite++;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  return { min: min + 0, max: max + 0, finite, nan };
}

const awkward = fc.oneof(
  { weight: 6, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0) },
);

describe('scan', () => {
  it('equals a plain loop on any float32 data, NaN and Inf included (-0 read as +0)', () => {
    fc.assert(
      fc.property(fc.array(awkward, { maxLength: 67 }), (values) => {
        const x = Float32Array.from(values);
        const s = scan(x);
        const r = reference(x);
        expect([s.min, s.max, s.finite, s.nan]).toEqual([r.min, r.max, r.finite, r.nan]);
        expect(s.finite + s.nan + s.infinite).toBe(x.length);
      }),
      { numRuns: 500 },
    );
  });

  it('finds the max even when it is the first value', () => {
    expect(scan(Float32Array.of(5, 1, 2))).toMatchObject({ min: 1, max: 5, finite: 3 });
    expect(scan(Float32Array.of(NaN, 5, 1))).toMatchObject({ min: 1, max: 5, nan: 1 });
  });

  it('an empty or all-NaN batch has no finite value and an empty range', () => {
    expect(scan(new Float32Array(0))).toEqual({
      min: Infinity,
      max: -Infinity,
      finite: 0,
      nan: 0,
      infinite: 0,
    });
    expect(scan(Float32Array.of(NaN, NaN, Infinity))).toMatchObject({
      finite: 0,
      nan: 2,
      infinite: 1,
    });
  });

  it('scans a sub-range only', () => {
    const x = Float32Array.of(100, 1, 2, 3, -100);
    expect(scan(x, 1, 4)).toMatchObject({ min: 1, max: 3, finite: 3 });
  });
});

describe('scanGroups', () => {
  it('per channel equals a scan of each channel slice (axis 1 of [2, 3, 2])', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 12) - 5);
    x[3] = NaN;
    const g = scanGroups(x, [2, 3, 2], 1);
    for (let ch = 0; ch < 3; ch++) {
      const slice = Float32Array.of(x[2 * ch]!, x[2 * ch + 1]!, x[6 + 2 * ch]!, x[7 + 2 * ch]!);
      const r = reference(slice);
      expect([g.min[ch], g.max[ch]]).toEqual([r.min, r.max]);
    }
    expect(g.counts).toEqual({ finite: 11, nan: 1, infinite: 0 });
  });
});

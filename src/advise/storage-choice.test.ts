// Activation storage from hardware profiles: the built-in x86 profile stores activations as uint8
// (int8 x int8 is ~20x slower there); a profile where int8 x int8 is fast stores them as int8
// and makes symmetric (zero point 0) cheaper than asymmetric.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE, parseHardwareProfile } from '../hardware/index.js';
import { chooseStorage, schemeCost } from './storage-choice.js';

const FAST = parseHardwareProfile(
  JSON.parse(readFileSync('test/fixtures/hardware/int8-fast.json', 'utf8')),
);

describe('chooseStorage', () => {
  it('keeps uint8 on the built-in x86 profile and says why', () => {
    const s = chooseStorage(DEFAULT_PROFILE);
    expect(s.qtype).toBe('uint8');
    expect(s.int8Cost! / s.uint8Cost!).toBeGreaterThan(15);
    expect(s.reason).toMatch(/int8 x int8 kernels take 2\dx the time of uint8 x int8/);
  });

  it('takes int8 where int8 x int8 is the faster', () => {
    const s = chooseStorage(FAST);
    expect(s.qtype).toBe('int8');
    expect(s.reason).toMatch(/0\.80x .* stored as int8/);
  });
});

describe('schemeCost', () => {
  it('symmetric uint8 pays the zero point 128 like asymmetric; symmetric int8 does not', () => {
    const x86 = chooseStorage(DEFAULT_PROFILE);
    const conv = ['Conv'];
    expect(schemeCost(DEFAULT_PROFILE, x86, 'symmetric', conv)).toBe(
      schemeCost(DEFAULT_PROFILE, x86, 'asymmetric', conv),
    );
    const fast = chooseStorage(FAST);
    const sym = schemeCost(FAST, fast, 'symmetric', conv)!;
    const asym = schemeCost(FAST, fast, 'asymmetric', conv)!;
    expect(asym / sym).toBeCloseTo(1.15, 2);
  });

  it('is null for ops the profile has no kernel for', () => {
    const x86 = chooseStorage(DEFAULT_PROFILE);
    expect(schemeCost(DEFAULT_PROFILE, x86, 'asymmetric', ['Add', 'Mul'])).toBeNull();
  });
});

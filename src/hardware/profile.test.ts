// The hardware profile: the built-in default holds the facts measured on its machine, the loader
// accepts what it writes and names the first wrong field of what it refuses, and the facts and
// cost queries read relative costs as documented.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/errors.js';
import {
  activationTypeCost,
  DEFAULT_PROFILE,
  kernelCost,
  parseHardwareProfile,
  profileFacts,
  storedCost,
  type HardwareProfile,
  type KernelMeasurement,
} from './index.js';

function refusal(value: unknown): string {
  try {
    parseHardwareProfile(value, 'p.json');
  } catch (error) {
    if (isZeropointError(error, 'bad-file')) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

const kernel = (over: Partial<KernelMeasurement>): KernelMeasurement => ({
  op: 'QLinearMatMul',
  a: 'uint8',
  b: 'int8',
  aZeroPoint: 0,
  bZeroPoint: 0,
  shape: [8, 8, 8],
  gops: 1,
  relativeCost: 1,
  medianMs: 1,
  ...over,
});

describe('DEFAULT_PROFILE', () => {
  it('is marked built-in and survives a JSON round trip through the loader', () => {
    expect(DEFAULT_PROFILE.source).toBe('built-in');
    expect(DEFAULT_PROFILE.kernels).toHaveLength(83);
    const again = parseHardwareProfile(JSON.parse(JSON.stringify(DEFAULT_PROFILE)));
    expect(again).toEqual(DEFAULT_PROFILE);
  });

  it('records the facts it was measured for: signed activations slow, zero points free', () => {
    const facts = profileFacts(DEFAULT_PROFILE);
    expect(facts.signedActivationCost).toBeGreaterThan(9);
    expect(facts.unsignedWeightCost).toBeGreaterThan(1.8);
    expect(facts.activationZeroPointCost![1]).toBeCloseTo(1, 1);
    const matmul = facts.byOp.find((f) => f.op === 'QLinearMatMul')!;
    expect(matmul.weightZeroPointCost![0]).toBeGreaterThan(0.97);
    expect(matmul.weightZeroPointCost![2]).toBeLessThan(1.03);
  });

  it('answers cost queries with the median over shapes', () => {
    const cost = kernelCost(DEFAULT_PROFILE, {
      op: 'QLinearConv',
      a: 'int8',
      b: 'int8',
      aZeroPoint: 0,
    });
    expect(cost).toBeGreaterThan(15);
    expect(
      kernelCost(DEFAULT_PROFILE, { op: 'QLinearConv', a: 'int8', b: 'uint8' }),
    ).toBeUndefined();
  });

  it('costs stored activations over the fused kernels of their consumers only', () => {
    expect(storedCost(DEFAULT_PROFILE, 'uint8', true, ['Add', 'Mul'])).toBeNull();
    const conv = storedCost(DEFAULT_PROFILE, 'int8', false, ['Conv'])!;
    expect(storedCost(DEFAULT_PROFILE, 'int8', false, ['Conv', 'Add'])).toBe(conv);
    expect(activationTypeCost(DEFAULT_PROFILE, 'int8')).toBeGreaterThan(15);
  });
});

describe('profileFacts', () => {
  it('divides relative costs of the same op and shape', () => {
    const profile: HardwareProfile = {
      ...DEFAULT_PROFILE,
      kernels: [
        kernel({}),
        kernel({ a: 'int8', relativeCost: 12 }),
        kernel({ b: 'uint8', relativeCost: 2 }),
        kernel({ aZeroPoint: 117, relativeCost: 1.02 }),
        kernel({ bZeroPoint: -9, relativeCost: 0.98 }),
        kernel({
          op: 'MatMul',
          a: 'float32',
          b: 'float32',
          aZeroPoint: null,
          bZeroPoint: null,
          relativeCost: 4,
        }),
      ],
    };
    const facts = profileFacts(profile);
    expect(facts.signedActivationCost).toBe(12);
    expect(facts.unsignedWeightCost).toBe(2);
    expect(facts.activationZeroPointCost).toEqual([1.02, 1.02, 1.02]);
    expect(facts.weightZeroPointCost).toEqual([0.98, 0.98, 0.98]);
    expect(facts.byOp.map((f) => f.op)).toEqual(['QLinearMatMul']);
  });

  it('is null where the profile lacks the kernels', () => {
    const facts = profileFacts({ ...DEFAULT_PROFILE, kernels: [kernel({})] });
    expect(facts).toMatchObject({ signedActivationCost: null, weightZeroPointCost: null });
  });
});

describe('parseHardwareProfile', () => {
  const json = JSON.parse(JSON.stringify(DEFAULT_PROFILE)) as Record<string, unknown>;

  it('names the first wrong field', () => {
    expect(refusal({ ...json, schema: 'other' })).toMatch(
      /p\.json: profile\.schema must be "zeropoint\.hardware-profile"/,
    );
    expect(refusal({ ...json, version: 2 })).toMatch(/profile\.version must be 1, got 2/);
    const kernels = [...(json.kernels as object[])];
    kernels[3] = { ...kernels[3], gops: -1 };
    expect(refusal({ ...json, kernels })).toMatch(
      /profile\.kernels\[3\]\.gops must be a positive number, got -1/,
    );
    kernels[3] = { ...kernels[3], gops: 1, op: 'Gemm' };
    expect(refusal({ ...json, kernels })).toMatch(
      /profile\.kernels\[3\]\.op must be one of MatMulInteger/,
    );
    expect(
      refusal({ ...json, machine: { ...(json.machine as object), features: 'avx2' } }),
    ).toMatch(/profile\.machine\.features must be an array of strings/);
    expect(refusal([])).toMatch(/profile must be an object/);
  });

  it('keeps only the schema fields', () => {
    const parsed = parseHardwareProfile({ ...json, extra: 1 });
    expect(Object.keys(parsed)).not.toContain('extra');
  });
});

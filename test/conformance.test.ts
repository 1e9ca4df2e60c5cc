// ONNX's own node tests for every quantization operator, run through zeropoint's implementation
// and compared exactly: bit for bit for integers, Object.is per element (NaN-aware, -0 != 0) for
// floats. FP8/FP4 cases are listed by name as unsupported; nothing is skipped silently.
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedTensor } from '../src/onnx/tensor.js';
import { ADAPTERS, type Produced } from './conformance-adapters.js';
import { CONFORMANCE_DIR, caseNames, loadCase, type ConformanceCase } from './conformance-cases.js';

/** Element types zeropoint does not quantize to yet: float formats with their own rules. */
const UNSUPPORTED_DTYPES = new Set([
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'float8e8m0',
  'float4e2m1',
]);

/** The cases that use them, spelled out so that a new one cannot slip into the list unseen. */
const EXPECTED_UNSUPPORTED = [
  'test_dequantizelinear_e4m3fn',
  'test_dequantizelinear_e4m3fn_float16',
  'test_dequantizelinear_e4m3fn_zero_point',
  'test_dequantizelinear_e5m2',
  'test_dequantizelinear_float4e2m1',
  'test_quantizelinear_e4m3fn',
  'test_quantizelinear_e5m2',
  'test_quantizelinear_float4e2m1',
];

type Loaded = { name: string; case: ConformanceCase } | { name: string; error: unknown };

const loaded: Loaded[] = caseNames().map((name) => {
  try {
    return { name, case: loadCase(name) };
  } catch (error) {
    return { name, error };
  }
});

function unsupportedDtypes(l: Loaded): string[] {
  if (!('case' in l)) return [];
  const tensors = [...l.case.inputs, ...l.case.outputs];
  return [
    ...new Set(tensors.flatMap((t) => (t && UNSUPPORTED_DTYPES.has(t.dtype) ? [t.dtype] : []))),
  ];
}

const unsupported = loaded.filter((l) => unsupportedDtypes(l).length > 0);
const integer = loaded.filter((l) => unsupportedDtypes(l).length === 0);
const passed = new Set<string>();

function describeCase(l: Loaded): string {
  if (!('case' in l)) return `${l.name} (failed to load)`;
  const { opType, nodeCount } = l.case;
  return nodeCount === 1
    ? `${l.name} (${opType})`
    : `${l.name} (${opType}, as its ${nodeCount}-node function body)`;
}

/** Elements that differ, as readable lines; floats also show their float32 bit patterns. */
function mismatches(got: Produced, want: DecodedTensor): string[] {
  const lines: string[] = [];
  const bits = (v: number | bigint) =>
    typeof v === 'number' && !Number.isInteger(v)
      ? ` (0x${new Uint32Array(Float32Array.of(v).buffer)[0]!.toString(16)})`
      : '';
  for (let i = 0; i < Math.max(got.data.length, want.data.length); i++) {
    const g = got.data[i];
    const w = want.data[i];
    if (g === undefined || w === undefined || !Object.is(g, w)) {
      lines.push(
        `[${i}] got ${String(g)}${g === undefined ? '' : bits(g)}, expected ${String(w)}${w === undefined ? '' : bits(w)}`,
      );
    }
  }
  return lines;
}

describe(`ONNX node conformance (${CONFORMANCE_DIR})`, () => {
  it('finds the 45 cases of the quantization operators', () => {
    expect(loaded).toHaveLength(45);
  });

  it(`lists exactly ${EXPECTED_UNSUPPORTED.length} FP8/FP4 cases as unsupported`, () => {
    expect(unsupported.map((l) => l.name)).toEqual(EXPECTED_UNSUPPORTED);
  });

  for (const l of unsupported) {
    it.skip(`${l.name}: unsupported (${unsupportedDtypes(l).join(', ')})`, () => {});
  }

  for (const l of integer) {
    it(describeCase(l), () => {
      if (!('case' in l)) throw l.error;
      const c = l.case;
      const adapter = ADAPTERS.get(c.opType);
      if (adapter === undefined) throw new Error(`no adapter for ${c.opType}`);
      const produced = adapter(c);
      expect(produced).toHaveLength(c.outputs.length);
      c.outputs.forEach((want, i) => {
        const got = produced[i]!;
        expect([got.dtype, got.shape], `output ${i} '${want.name}' dtype and shape`).toEqual([
          want.dtype,
          want.shape,
        ]);
        expect(mismatches(got, want), `output ${i} '${want.name}'`).toEqual([]);
      });
      passed.add(c.name);
    });
  }

  it(`all ${integer.length} integer cases pass`, () => {
    expect([...passed].sort()).toEqual(integer.map((l) => l.name));
  });

  afterAll(() => {
    const names = unsupported.map((l) => l.name).join(', ');
    console.info(
      `conformance: ${passed.size}/${integer.length} integer cases pass; ${unsupported.length} unsupported: ${names}`,
    );
  });
});

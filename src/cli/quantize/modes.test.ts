import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../onnx/build.js';
import { isZeropointError } from '../../core/errors.js';
import { formatModeReport, parseModeFlags, runQuantizeMode } from './modes.js';

function model(): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [2, 40]);
  b.input('y', 'float32', [3, 2]);
  b.initializer(
    'w',
    'float32',
    [40, 3],
    Float32Array.from({ length: 120 }, (_, i) => Math.sin(i)),
  );
  b.output(b.op('MatMul', [b.op('MatMul', ['x', 'w']), 'y']), 'float32');
  return b.bytes(13);
}

function badArgument(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (isZeropointError(error, 'bad-argument')) return error.message;
    throw error;
  }
  throw new Error('no error');
}

describe('parseModeFlags', () => {
  it('reads --weights with its options, and --dynamic', () => {
    expect(parseModeFlags({})).toBeUndefined();
    expect(
      parseModeFlags({ weights: 'int4', block: '128', scheme: 'symmetric', format: 'qdq' }),
    ).toEqual({
      mode: 'weights',
      options: { bits: 4, blockSize: 128, scheme: 'symmetric', format: 'qdq' },
    });
    expect(parseModeFlags({ weights: 'int8', format: 'matmulnbits', accuracyLevel: '0' })).toEqual({
      mode: 'weights',
      options: { bits: 8, format: 'matmulnbits', accuracyLevel: 0 },
    });
    expect(parseModeFlags({ weights: 'int4', gather: true })).toEqual({
      mode: 'weights',
      options: { bits: 4, gather: true },
    });
    for (const conv of ['cast-mul', 'dequantize', 'integer', 'float']) {
      expect(parseModeFlags({ dynamic: true, conv })).toEqual({
        mode: 'dynamic',
        options: { conv },
      });
    }
  });

  it('names what is wrong with bad flags', () => {
    expect(badArgument(() => parseModeFlags({ weights: 'int3' }))).toMatch(/int4\|int8/);
    expect(badArgument(() => parseModeFlags({ externalData: true }))).toMatch(/--external-data/);
    expect(badArgument(() => parseModeFlags({ weights: 'int4', block: '48' }))).toMatch(/--block/);
    expect(badArgument(() => parseModeFlags({ dynamic: true, weights: 'int4' }))).toMatch(
      /not both/,
    );
    expect(badArgument(() => parseModeFlags({ dynamic: true, block: '32' }))).toMatch(
      /--block need --weights/,
    );
    expect(badArgument(() => parseModeFlags({ weights: 'int4', accuracyLevel: '4' }))).toMatch(
      /matmulnbits/,
    );
    expect(badArgument(() => parseModeFlags({ dynamic: true, conv: 'int8' }))).toMatch(
      /--conv takes cast-mul\|dequantize\|integer\|float, not 'int8'/,
    );
    expect(badArgument(() => parseModeFlags({ dynamic: true, gather: true }))).toMatch(
      /--gather need --weights/,
    );
    expect(badArgument(() => parseModeFlags({ weights: 'int8', conv: 'float' }))).toMatch(
      /--conv needs --dynamic/,
    );
  });
});

describe('runQuantizeMode and formatModeReport', () => {
  it('prints what was quantized, the padding, what stayed float, and the sizes', async () => {
    const mode = parseModeFlags({ weights: 'int4' })!;
    const { report } = await runQuantizeMode(model(), mode);
    const text = formatModeReport(report);
    expect(text).toMatch(/int4 asymmetric blocks of 32, qdq/);
    expect(text).toMatch(/40 -> 64/);
    expect(text).toMatch(/left in float: MatMul MatMul_1 \(weight is not a constant\)/);
    expect(text).toMatch(/opset upgraded 13 -> 21/);
    const dynamic = await runQuantizeMode(model(), parseModeFlags({ dynamic: true })!);
    expect(formatModeReport(dynamic.report)).toMatch(/MatMul_0\s+MatMul\s+MatMulInteger/);
  });

  it('counts the Convs per form, and groups those left float by one reason', async () => {
    const b = new ModelBuilder();
    b.input('x', 'float32', [1, 2, 4, 4]);
    b.initializer('w', 'float32', [2, 2, 1, 1], [1, -1, 0.5, 2]);
    b.output(b.op('Conv', [b.op('Conv', ['x', 'w']), 'w']), 'float32');
    const convs = b.bytes(13);
    const int8 = await runQuantizeMode(convs, parseModeFlags({ dynamic: true })!);
    const text = formatModeReport(int8.report);
    expect(text).toMatch(/Conv: 2 int8 weight -> Cast -> Mul -> Conv\n/);
    expect(text).toMatch(/x smaller\)$/);
    const float = await runQuantizeMode(convs, parseModeFlags({ dynamic: true, conv: 'float' })!);
    expect(formatModeReport(float.report)).toMatch(
      /Conv: 2 float\nleft in float: 2 x Conv \(asked for: conv float\)/,
    );
  });
});

describe('--algorithm and --act-order', () => {
  it('are parsed into the weight-only options, checked, and named in the report', async () => {
    expect(parseModeFlags({ weights: 'int4', algorithm: 'gptq', actOrder: true })).toEqual({
      mode: 'weights',
      options: { bits: 4, algorithm: 'gptq', gptq: { actOrder: true } },
    });
    expect(parseModeFlags({ weights: 'int4', algorithm: 'auto' })).toEqual({
      mode: 'weights',
      options: { bits: 4, select: true },
    });
    expect(badArgument(() => parseModeFlags({ weights: 'int4', algorithm: 'sq' }))).toMatch(
      /--algorithm takes rtn\|gptq\|awq\|hqq\|auto, not 'sq'/,
    );
    expect(
      badArgument(() => parseModeFlags({ weights: 'int4', algorithm: 'hqq', actOrder: false })),
    ).toMatch(/--no-act-order apply to --algorithm gptq/);
    expect(badArgument(() => parseModeFlags({ dynamic: true, algorithm: 'hqq' }))).toMatch(
      /--algorithm need --weights/,
    );
    const hqq = await runQuantizeMode(
      model(),
      parseModeFlags({ weights: 'int4', algorithm: 'hqq' })!,
    );
    expect(formatModeReport(hqq.report)).toMatch(/algorithm: hqq \(asked for\)/);
    const rtn = await runQuantizeMode(model(), parseModeFlags({ weights: 'int4' })!);
    expect(formatModeReport(rtn.report)).toMatch(
      /algorithm: rtn \(default without calibration data\)/,
    );
  });
});

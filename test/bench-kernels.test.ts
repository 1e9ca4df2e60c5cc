// `zeropoint bench --kernels`: the catalogue of configurations and their one-node models, the
// profile built from per-round times (checked on made-up times), and the command end to end at
// tiny shapes: its --json object and --save file are valid hardware profiles. No wall-clock
// figure is asserted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildKernelModel,
  KERNEL_OPS,
  kernelConfigs,
  kernelMeasurements,
  parseHardwareProfile,
  parseShape,
} from '../src/hardware/index.js';
import { readModel } from '../src/onnx/model.js';
import { buildGraph } from '../src/onnx/graph.js';
import { verifyGraph } from '../src/onnx/verify-graph.js';

const SHAPES = ['16x32x32', '1x4x8x8x4x3x3', '1024'];

describe('kernel catalogue', () => {
  const configs = kernelConfigs(SHAPES.map(parseShape));

  it('covers every op, three type pairs and four zero-point cases per integer op', () => {
    expect(new Set(configs.map((c) => c.op))).toEqual(new Set(KERNEL_OPS));
    const qlinear = configs.filter((c) => c.op === 'QLinearMatMul');
    expect(qlinear.map((c) => `${c.a}x${c.b} ${c.aZeroPoint}/${c.bZeroPoint}`)).toEqual([
      'uint8xint8 0/0',
      'uint8xint8 0/-9',
      'uint8xint8 117/0',
      'uint8xint8 117/-9',
      'uint8xuint8 0/0',
      'uint8xuint8 0/117',
      'uint8xuint8 117/0',
      'uint8xuint8 117/117',
      'int8xint8 0/0',
      'int8xint8 0/-9',
      'int8xint8 -9/0',
      'int8xint8 -9/-9',
    ]);
    expect(configs).toHaveLength(1 + 24 + 1 + 24 + 8);
    expect(new Set(configs.map((c) => c.id)).size).toBe(configs.length);
  });

  it('counts a multiply-add as two operations', () => {
    expect(configs.find((c) => c.op === 'MatMul')!.ops).toBe(2 * 16 * 32 * 32);
    expect(configs.find((c) => c.op === 'Conv')!.ops).toBe(2 * 4 * 8 * 8 * 4 * 9);
  });

  it('builds valid one-node models', () => {
    for (const c of configs) {
      const model = readModel(buildKernelModel(c).bytes);
      expect(model.graph!.node).toHaveLength(1);
      verifyGraph(buildGraph(model));
    }
  });

  it('rejects shapes of other ranks', () => {
    expect(() => parseShape('2x3')).toThrow(/MxKxN/);
  });
});

describe('kernelMeasurements', () => {
  const [fast, slow, refused] = kernelConfigs([[4, 4, 4]]).slice(1, 4);

  it('cost is the paired median ratio to the fastest; GOP/s follows from it', () => {
    const { kernels, skipped } = kernelMeasurements(
      [fast!, slow!, refused!],
      [
        { id: fast!.id, seconds: [1e-6, 3e-6, 1e-6] },
        { id: slow!.id, seconds: [2e-6, 1e-6, 2.2e-6] },
        { id: refused!.id, error: 'not implemented' },
      ],
    );
    expect(kernels.map((k) => k.relativeCost)).toEqual([1, 2]);
    expect(kernels[1]!.gops).toBeCloseTo(fast!.ops / (1e-6 * 2) / 1e9, 9);
    expect(kernels[1]!.medianMs).toBeCloseTo(2e-3, 12);
    expect(skipped).toEqual([
      { op: refused!.op, a: refused!.a, b: refused!.b, reason: 'not implemented' },
    ]);
  });
});

describe('zeropoint bench --kernels', () => {
  it('prints a hardware profile with --json and saves the same with --save', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zeropoint-kernels-')), 'profile.json');
    const args = ['bench', '--kernels', '--shapes', ...SHAPES, '--runs', '2', '--warmup', '1'];
    const out = execFileSync(
      'node',
      ['--import', 'tsx', 'src/cli/main.ts', ...args, '--json', '--save', file],
      {
        encoding: 'utf8',
      },
    );
    const printed = parseHardwareProfile(JSON.parse(out));
    const saved = parseHardwareProfile(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(saved.kernels).toEqual(printed.kernels);
    expect(printed).toMatchObject({
      source: 'measured',
      runtime: { name: 'onnxruntime-node', threads: 1 },
    });
    expect(printed.skipped).toEqual([]);
    expect(printed.kernels).toHaveLength(58);
    for (const k of printed.kernels) {
      expect(Object.keys(k).slice(0, 7)).toEqual([
        'op',
        'a',
        'b',
        'aZeroPoint',
        'bZeroPoint',
        'shape',
        'gops',
      ]);
      expect(k.gops).toBeGreaterThan(0);
    }
    // one fastest kernel per shape, with cost exactly 1
    for (const shape of ['16,32,32', '1,4,8,8,4,3,3', '1024']) {
      const costs = printed.kernels
        .filter((k) => k.shape.join() === shape)
        .map((k) => k.relativeCost);
      expect(costs).toContain(1);
    }
    const table = execFileSync('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      encoding: 'utf8',
    });
    expect(table).toMatch(/QLinearMatMul u8 x s8 zp 117\/-9\s+16x32x32/);
    expect(table).toMatch(/s8xs8 \/ u8xs8\s+u8xu8 \/ u8xs8\s+activation zp != 0\s+weight zp != 0/);
  });
});

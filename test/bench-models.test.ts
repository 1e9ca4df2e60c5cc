// End to end: `zeropoint bench MODEL...` on tiny models built in code, run as a user would in a
// child process: the JSON's documented shape, agreement computed right (a model agrees with
// itself exactly; a perturbed one by the SQNR its weights imply), --dim and --calib inputs, the
// defaults for dynamic dimensions and the one error that lists every dimension left open.
// No wall-clock figure is asserted: only that latencies and memory are measured.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RANDOM_INPUTS_NOTE } from '../src/cli/bench/models.js';
import { serializeNpy } from '../src/cli/io/npy.js';
import { attr } from '../src/onnx/graph-node.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { GraphBuilder } from './helpers/graph-builder.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'zeropoint-bench-'));
const WEIGHTS = Float32Array.from({ length: 8 * 4 }, (_, i) => Math.sin(i + 1));

/** x [batch, 8] -> MatMul W [8, 4] -> Softmax -> y [batch, 4]; `scale` multiplies W. */
function classifier(file: string, scale: number): string {
  const m = new ModelBuilder('classifier');
  const x = m.input('x', 'float32', ['batch', 8]);
  const w = m.initializer(
    'w',
    'float32',
    [8, 4],
    WEIGHTS.map((v) => v * scale),
  );
  const y = m.op('Softmax', [m.op('MatMul', [x, w])], [attr.int('axis', -1)]);
  m.output(y, 'float32', ['batch', 4]);
  writeFileSync(join(dir, file), m.bytes());
  return join(dir, file);
}

interface Report {
  runtime: { name: string; version: string; threads: number };
  inputs: {
    source: string;
    samples: number;
    shapes: Record<string, number[]>;
    defaults: Record<string, number>;
    note: string | null;
  };
  models: {
    file: string;
    fileBytes: number;
    latencyMs: { median: number; p90: number };
    throughput: number;
    relativeLatency: number;
    peakMemoryBytes: number | null;
    agreement: {
      output: string;
      cosine: number;
      sqnrDb: number | string;
      maxAbsError: number;
      top1: number | null;
    }[];
  }[];
}

function bench(...args: string[]): Report {
  const out = execFileSync(
    'node',
    [...CLI, 'bench', '--runs', '3', '--warmup', '1', '--json', ...args],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Report;
}

let reference: string;
let same: string;
let scaled: string;

beforeAll(() => {
  reference = classifier('reference.onnx', 1);
  same = classifier('same.onnx', 1);
  scaled = classifier('scaled.onnx', 1.5);
});

describe('zeropoint bench MODEL...', () => {
  it('measures every model and compares each with the first', () => {
    const report = bench(reference, same, scaled, '--dim', 'batch=3');
    expect(Object.keys(report)).toEqual(['runtime', 'warmup', 'runs', 'inputs', 'models']);
    expect(report.runtime).toMatchObject({ name: 'onnxruntime-node', threads: 1 });
    expect(report.inputs).toEqual({
      source: 'generated',
      samples: 1,
      shapes: { x: [3, 8] },
      defaults: {},
      note: RANDOM_INPUTS_NOTE,
    });
    expect(report.models.map((m) => m.file)).toEqual([reference, same, scaled]);
    for (const m of report.models) {
      expect(Object.keys(m)).toEqual([
        'file',
        'fileBytes',
        'latencyMs',
        'throughput',
        'relativeLatency',
        'peakMemoryBytes',
        'peakRssBytes',
        'agreement',
      ]);
      expect(m.fileBytes).toBe(statSync(m.file).size);
      expect(m.latencyMs.p90).toBeGreaterThanOrEqual(m.latencyMs.median);
      expect(m.throughput).toBeCloseTo(1000 / m.latencyMs.median, 6);
      expect(m.peakMemoryBytes).toBeGreaterThanOrEqual(0);
    }
    expect(report.models[0]!.relativeLatency).toBe(1);
    // a model agrees with itself, and with an identical copy, exactly
    for (const m of report.models.slice(0, 2)) {
      expect(m.agreement).toEqual([
        { output: 'softmax_1', cosine: 1, sqnrDb: 'Infinity', maxAbsError: 0, top1: 1 },
      ]);
    }
    // scaling the logits sharpens the softmax but never moves its argmax
    const [scaledAgreement] = report.models[2]!.agreement;
    expect(scaledAgreement!.top1).toBe(1);
    expect(scaledAgreement!.sqnrDb).toBeGreaterThan(0);
    expect(scaledAgreement!.sqnrDb).toBeLessThan(60);
    expect(scaledAgreement!.maxAbsError).toBeGreaterThan(0);
  });

  it('feeds calibration .npy samples and prints a table', () => {
    const calib = join(dir, 'calib');
    const x = Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2);
    mkdirSync(calib, { recursive: true });
    writeFileSync(join(calib, 'a.npy'), serializeNpy(x, [2, 8]));
    writeFileSync(
      join(calib, 'b.npy'),
      serializeNpy(
        x.map((v) => -v),
        [2, 8],
      ),
    );
    const report = bench(reference, scaled, '--calib', calib, '--no-memory');
    expect(report.inputs).toEqual({
      source: 'calibration',
      samples: 2,
      shapes: { x: [2, 8] },
      defaults: {},
      note: null,
    });
    expect(report.models[1]!.peakMemoryBytes).toBeNull();
    const table = execFileSync(
      'node',
      [...CLI, 'bench', reference, '--calib', join(calib, 'a.npy'), '--runs', '2', '--no-memory'],
      {
        encoding: 'utf8',
      },
    );
    expect(table).toMatch(/median ms\s+p90 ms\s+runs\/s/);
    expect(table).toMatch(/inputs calibration \(1 sample\): x \[2, 8\]/);
  });

  it('without --dim, the batch axis is 1, and the table says so and that the data is random', () => {
    const table = execFileSync(
      'node',
      [...CLI, 'bench', reference, scaled, '--runs', '2', '--warmup', '0', '--no-memory'],
      { encoding: 'utf8' },
    );
    expect(table).toMatch(/inputs generated \(1 sample\): x \[1, 8\]/);
    expect(table).toMatch(/dynamic dimensions by default: x:0=1 \(set them with --dim\)/);
    expect(table).toContain(`note: ${RANDOM_INPUTS_NOTE}`);
    expect(RANDOM_INPUTS_NOTE).toMatch(/random inputs.*--calib/);
  });

  it('lists every dimension it cannot size in one error, with the flags that size them', () => {
    // a [batch, seq, 8] and b [N, seq, ?]: the batch axes default to 1; seq and b's last do not
    const g = new GraphBuilder('open-dims');
    g.input('a', 'float32', ['batch', 'seq', 8]);
    g.input('b', 'float32', ['N', 'seq', undefined]);
    g.output(g.op('Identity', ['a']), 'float32', ['batch', 'seq', 8]);
    g.output(g.op('Identity', ['b']), 'float32', ['N', 'seq', undefined]);
    const file = join(dir, 'open-dims.onnx');
    writeFileSync(file, g.bytes());

    const r = spawnSync('node', [...CLI, 'bench', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "zeropoint: 3 dynamic dimensions have no size: 'a' axis 1 (seq), 'b' axis 1 (seq), " +
        "'b' axis 2; pass --dim seq=N --dim b:2=N, or --calib with real samples [bad-argument]",
    );
    const report = bench(file, '--dim', 'seq=5', '--dim', 'b:2=8', '--no-memory');
    expect(report.inputs).toMatchObject({
      shapes: { a: [1, 5, 8], b: [1, 5, 8] },
      defaults: { 'a:0': 1, 'b:0': 1 },
    });
  });
});

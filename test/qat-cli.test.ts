// `zeropoint quantize --qat` as a user runs it: a tiny conv model and a folder of .npy samples
// in, the model written atomically and --json carrying the fine-tuning's before/after figures
// and settings; --steps without --qat refused. Lean: 6 steps on 8x8 inputs.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeNpy } from '../src/cli/io/npy.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { cliError, runCli } from './helpers/run-cli.js';

describe('zeropoint quantize --qat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-qat-'));
  const model = join(dir, 'chain.onnx');
  const calib = join(dir, 'calib');
  writeFileSync(model, convChain());
  mkdirSync(calib);
  convInputs(16, 100).forEach((f, i) => {
    writeFileSync(
      join(calib, `${String(i).padStart(2, '0')}.npy`),
      serializeNpy(f.x!.data as Float32Array, [1, 3, 8, 8]),
    );
  });

  it('writes the model and reports before/after and the settings in --json', async () => {
    const out = join(dir, 'chain.qat.onnx');
    const run = await runCli(
      'quantize',
      model,
      '--calib',
      calib,
      '-o',
      out,
      '--qat',
      '--steps',
      '6',
      '--batch-size',
      '2',
      '--accumulate',
      '2',
      '--holdout',
      '4',
      '--json',
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      sizeAfter: number;
      qat: {
        before: number;
        kept: string;
        bestStep: number;
        graphBest: number;
        graphBefore: number;
        settings: Record<string, unknown>;
      };
    };
    expect(report.qat.settings).toMatchObject({
      steps: 6,
      batchSize: 2,
      accumulate: 2,
      trainSamples: 12,
      heldOutSamples: 4,
      learn: 'both',
    });
    expect(report.qat.before).toBeGreaterThan(0);
    expect(['qat', 'ptq']).toContain(report.qat.kept);
    // Keep-best: the state written back is the best measured, never below the start.
    expect(report.qat.graphBest).toBeGreaterThanOrEqual(report.qat.graphBefore);
    expect(report.qat.bestStep).toBeLessThanOrEqual(6);
    expect(readFileSync(out).length).toBe(report.sizeAfter);
  });

  it('prints a caution when few held-out samples judge QAT against PTQ', async () => {
    const out = join(dir, 'chain.few.onnx');
    const flags = ['--qat', '--steps', '2', '--batch-size', '2', '--no-verdict'];
    const run = await runCli('quantize', model, '--calib', calib, '-o', out, ...flags);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('caution: 4 held-out samples judged QAT against PTQ');
  });

  it('refuses --steps without --qat', async () => {
    const run = await runCli(
      'quantize',
      model,
      '--calib',
      calib,
      '-o',
      join(dir, 'x.onnx'),
      '--steps',
      '3',
    );
    expect(cliError(run)?.code).toBe('bad-argument');
  });

  it('refuses --qat with --fp16 (it trained and ignored --fp16)', async () => {
    const out = join(dir, 'fp16.onnx');
    const run = await runCli('quantize', model, '--calib', calib, '-o', out, '--qat', '--fp16');
    expect(cliError(run)?.code).toBe('bad-argument');
  });
});

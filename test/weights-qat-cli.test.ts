// `zeropoint quantize --weights int4 --calib DIR --qat` as a user runs it on a tiny transformer
// with int64 token ids: GPTQ codes fine-tuned by distillation, the model written and run in
// onnxruntime, --json carrying held-out SQNR before/after; refusals of what it cannot train.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HeldOutFigures } from '../src/qat/held-out-judge.js';
import { serializeNpyTensor } from '../src/readers/npy.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';
import { cliError, runCli } from './helpers/run-cli.js';

describe('zeropoint quantize --weights int4 --qat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-wqat-'));
  const model = join(dir, 'tiny.onnx');
  const calib = join(dir, 'calib');
  writeFileSync(model, tinyTransformer());
  mkdirSync(calib);
  const feeds = tinyTransformerFeeds(12, 1, 3);
  feeds.forEach((f, i) => {
    const ids = f.ids;
    const bytes = serializeNpyTensor({ type: 'int64', shape: ids.dims, data: ids.data });
    writeFileSync(join(calib, `${String(i).padStart(2, '0')}.npy`), bytes);
  });

  it('fine-tunes the block codes, writes a model onnxruntime runs, reports before/after', async () => {
    const out = join(dir, 'tiny.q4.onnx');
    const run = await runCli(
      'quantize',
      model,
      '--weights',
      'int4',
      '--calib',
      calib,
      '--qat',
      '--steps',
      '20',
      '--batch-size',
      '4',
      '--holdout',
      '3',
      '-o',
      out,
      '--json',
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      weights: number;
      steps: number;
      before: number;
      after: number;
      kept: string;
      trainBatches: number;
      heldOutBatches: number;
      heldOut: { before: HeldOutFigures; after?: HeldOutFigures };
    };
    expect(report).toMatchObject({ weights: 7, steps: 20, trainBatches: 9, heldOutBatches: 3 });
    // GPTQ's codes are the start; 20 steps of distillation still raise held-out SQNR here.
    expect(report.kept).toBe('qat');
    expect(report.after).toBeGreaterThan(report.before);
    // Kept by held-out KL from fp32 (SQNR breaking ties), reported beside top-1 agreement.
    const { before, after } = report.heldOut;
    expect(after!.kl!).toBeLessThanOrEqual(before.kl!);
    expect(after!.top1!).toBeGreaterThan(0);
    const session = await createSession(new Uint8Array(readFileSync(out)));
    const outputs = await session.run(feeds[0]!);
    await session.release();
    expect(Object.values(outputs)[0]!.data.length).toBeGreaterThan(0);
  });

  it('refuses --format matmulnbits and --learn scales, naming the flag', async () => {
    const base = ['quantize', model, '--weights', 'int4', '--calib', calib, '--qat'];
    const nbits = await runCli(...base, '--format', 'matmulnbits', '-o', join(dir, 'a.onnx'));
    expect(cliError(nbits)?.message).toMatch(/drop --format matmulnbits/);
    const scales = await runCli(...base, '--learn', 'scales', '-o', join(dir, 'b.onnx'));
    expect(cliError(scales)?.message).toMatch(/--learn with --weights --qat takes weights\|both/);
  });
});

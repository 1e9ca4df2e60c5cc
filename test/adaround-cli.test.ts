// `zeropoint quantize --adaround` as a user runs it: a tiny conv model and a folder of .npy
// samples in, the model written and --json carrying each layer's figures and the held-out
// judgement; the text report's AdaRound lines; --iterations without --adaround and with --qat
// refused. Lean: 30 iterations on 8x8 inputs.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeNpy } from '../src/cli/io/npy.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { cliError, runCli } from './helpers/run-cli.js';

describe('zeropoint quantize --adaround', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-adaround-'));
  const model = join(dir, 'chain.onnx');
  const calib = join(dir, 'calib');
  writeFileSync(model, convChain());
  mkdirSync(calib);
  convInputs(8, 100).forEach((f, i) => {
    writeFileSync(
      join(calib, `${String(i).padStart(2, '0')}.npy`),
      serializeNpy(f.x!.data as Float32Array, [1, 3, 8, 8]),
    );
  });
  const out = join(dir, 'chain.adaround.onnx');
  const common = ['quantize', model, '--calib', calib, '-o', out, '--adaround'];

  it('writes the model; --json carries the layers and the held-out SQNR before/after', async () => {
    const run = await runCli(...common, '--iterations', '30', '--holdout', '2', '--json');
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      sizeAfter: number;
      adaround: {
        before: number;
        after: number;
        kept: string;
        layers: { node: string; error: number; nearest: number }[];
        settings: Record<string, unknown>;
      };
    };
    expect(report.adaround.settings).toMatchObject({
      iterations: 30,
      trainSamples: 6,
      heldOutSamples: 2,
    });
    expect(report.adaround.layers).toHaveLength(3);
    for (const l of report.adaround.layers) expect(l.error).toBeLessThanOrEqual(l.nearest);
    expect(['adaround', 'ptq']).toContain(report.adaround.kept);
    expect(readFileSync(out).length).toBe(report.sizeAfter);
  });

  it('prints its lines under the static table', async () => {
    const run = await runCli(...common, '--iterations', '5');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /adaround: 3 layers .* 5 iterations each on 6 samples \(2 held out\)/,
    );
    expect(run.stdout).toMatch(/held-out output SQNR: PTQ [\d.]+ dB -> AdaRound [\d.]+ dB/);
  });

  it('refuses --iterations without --adaround, and --adaround with --qat', async () => {
    const alone = await runCli('quantize', model, '--calib', calib, '-o', out, '--iterations', '5');
    expect(cliError(alone)?.message).toMatch(/--iterations needs --adaround/);
    const both = await runCli(...common, '--qat');
    expect(cliError(both)?.message).toMatch(/drop the other mode flags/);
  });
});

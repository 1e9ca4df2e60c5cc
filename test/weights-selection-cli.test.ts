// `zeropoint quantize --weights int4 --calib DIR --algorithm auto` as a user runs it on a tiny
// transformer with int64 token ids: the algorithm is chosen on a held-out quarter of the
// samples, the table and --json name every candidate's figures and the chosen one; without
// --algorithm the measured default (HQQ) is written and named.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weightCandidates } from '../src/ptq/weight-selection.js';
import { serializeNpyTensor } from '../src/readers/npy.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { cliError, runCli } from './helpers/run-cli.js';
import { tinyTransformer, tinyTransformerFeeds } from './helpers/tiny-transformer.js';

describe('zeropoint quantize --weights int4 --calib --algorithm auto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-wsel-'));
  const model = join(dir, 'tiny.onnx');
  const calib = join(dir, 'calib');
  writeFileSync(model, tinyTransformer());
  mkdirSync(calib);
  tinyTransformerFeeds(8, 1, 3).forEach((f, i) => {
    const bytes = serializeNpyTensor({ type: 'int64', shape: f.ids.dims, data: f.ids.data });
    writeFileSync(join(calib, `${String(i).padStart(2, '0')}.npy`), bytes);
  });
  const quantize = (out: string, ...more: string[]) =>
    runCli('quantize', model, '--weights', 'int4', '--calib', calib, '-o', join(dir, out), ...more);

  it('prints the candidates, names the chosen one in --json, and writes a model that runs', async () => {
    const [text, json] = await Promise.all([
      quantize('t.onnx', '--algorithm', 'auto'),
      quantize('j.onnx', '--algorithm', 'auto', '--json'),
    ]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/measured best of \d+ on 2 held-out calibration batch/);
    const candidates = weightCandidates('asymmetric');
    for (const c of candidates) expect(text.stdout).toContain(c.label);
    const report = JSON.parse(json.stdout) as {
      algorithm: {
        name: string;
        selection: { chosen: string; trainBatches: number; candidates: { label: string }[] };
      };
    };
    const { selection } = report.algorithm;
    expect(selection.trainBatches).toBe(6);
    expect(selection.candidates).toHaveLength(candidates.length);
    const chosen = candidates.find((c) => c.label === selection.chosen)!;
    expect(report.algorithm.name).toBe(chosen.algorithm);
    expect(text.stdout).toMatch(new RegExp(`\\* ${selection.chosen}`));
    // Deterministic: the same bytes twice (the text and --json runs).
    expect(readFileSync(join(dir, 't.onnx'))).toEqual(readFileSync(join(dir, 'j.onnx')));
    const session = await createSession(new Uint8Array(readFileSync(join(dir, 't.onnx'))));
    await session.release();
  });

  it('without --algorithm: HQQ, named with the reason; --algorithm forces another', async () => {
    const [byDefault, forced] = await Promise.all([
      quantize('d.onnx', '--json'),
      quantize('f.onnx', '--algorithm', 'rtn', '--json'),
    ]);
    expect(byDefault.status, byDefault.stderr).toBe(0);
    const report = JSON.parse(byDefault.stdout) as { algorithm: { name: string; reason: string } };
    expect(report.algorithm.name).toBe('hqq');
    expect(report.algorithm.reason).toMatch(/default for asymmetric int4 with calibration data/);
    expect(forced.status, forced.stderr).toBe(0);
    const rtn = JSON.parse(forced.stdout) as { algorithm: { name: string; reason: string } };
    expect(rtn.algorithm).toEqual({ name: 'rtn', reason: 'asked for' });
    // The default reads no samples, but a --calib path that is not there is still an error.
    const missing = await runCli(
      'quantize',
      model,
      '--weights',
      'int4',
      '--calib',
      join(dir, 'nowhere'),
      '-o',
      join(dir, 'm.onnx'),
    );
    expect(cliError(missing)?.code).toBe('io');
    expect(cliError(missing)?.message).toMatch(/nowhere/);
  });
});

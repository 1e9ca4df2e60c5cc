// `zeropoint quantize --qat --loss module.js` as a user runs it: a loss module that finds each
// sample's label by its file (here: the file's number), --json saying the module's held-out loss
// decided; a module without the export, one that throws, and one returning a short gradient
// fail with codes naming the module, sample file or output. Lean: 2-4 steps on 8x8 inputs.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeNpy } from '../src/cli/io/npy.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { cliError, runCli } from './helpers/run-cli.js';

/** Squared error of every output value against its sample's label: the file's number / 16. */
const LABELLED = `
import { basename } from 'node:path';
export function loss(outputs, sample) {
  const [name, out] = Object.entries(outputs)[0];
  const label = Number(basename(sample.file, '.npy')) / 16;
  const grad = new Float32Array(out.data.length);
  let sum = 0;
  out.data.forEach((y, i) => { sum += (y - label) ** 2; grad[i] = 2 * (y - label); });
  return { loss: sum, grad: { [name]: grad } };
}
`;

describe('zeropoint quantize --qat --loss', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-qat-loss-'));
  const model = join(dir, 'chain.onnx');
  const calib = join(dir, 'calib');
  writeFileSync(model, convChain());
  mkdirSync(calib);
  convInputs(8, 200).forEach((f, i) => {
    writeFileSync(join(calib, `${i}.npy`), serializeNpy(f.x!.data as Float32Array, [1, 3, 8, 8]));
  });
  const module = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const quantize = (loss: string, ...more: string[]) =>
    runCli(
      'quantize',
      model,
      '--calib',
      calib,
      '-o',
      join(dir, 'out.onnx'),
      '--qat',
      '--loss',
      loss,
      '--holdout',
      '2',
      ...more,
    );

  it("trains on the module's loss, which decides, and says so in --json", async () => {
    const run = await quantize(
      module('labelled.mjs', LABELLED),
      '--steps',
      '4',
      '--lr',
      '0.003',
      '--batch-size',
      '3',
      '--json',
    );
    expect(run.status, run.stderr).toBe(0);
    const q = (JSON.parse(run.stdout) as { qat: Record<string, unknown> }).qat;
    expect(q).toMatchObject({ decidedBy: 'loss', kept: 'qat', settings: { loss: 'module' } });
    expect(q.lossAfter as number).toBeLessThan(q.lossBefore as number);
  });

  it.each([
    [
      'no loss export',
      'export const x = 1;',
      'bad-file',
      /must export a function loss\(outputs, sample\)/,
    ],
    [
      'a throw',
      'export function loss() { throw new Error("no label"); }',
      'bad-file',
      /failed on sample (\d+) \(.*\/\1\.npy\): no label/,
    ],
    [
      'a short gradient',
      'export function loss(o) { return { loss: 1, grad: { [Object.keys(o)[0]]: new Float32Array(2) } }; }',
      'bad-argument',
      /gradient of length 2 for output/,
    ],
  ])('fails on %s, naming the module', async (name, text, code, message) => {
    const path = module(`${name.replace(/ /g, '-')}.mjs`, text);
    const error = cliError(await quantize(path, '--steps', '1'));
    expect(error?.code).toBe(code);
    expect(error?.message).toContain(path);
    expect(error?.message).toMatch(message);
  });
});

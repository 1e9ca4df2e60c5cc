// Seeded fuzzing of every command (test/fuzz/): mutated model bytes and .npy/.npz calibration
// bytes must end in a result or a coded error: no uncaught exception, no hang, no stack trace,
// inputs unchanged, nothing partial left in the output folder, and a written model that
// onnxruntime runs whenever it runs the input. A fixed seed and a bounded number of cases here;
// `npm run fuzz -- --cases N --seed S` runs many more and prints each failure's seed to replay.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeModel } from '../src/onnx/model.js';
import { COMMANDS, generateCase, type Command } from './fuzz/cases.js';
import { caseSeed } from './fuzz/rng.js';
import {
  checkCase,
  materialize,
  runInProcess,
  runThroughCli,
  snapshot,
  type Outcome,
} from './fuzz/run-case.js';
import { cliError, runCli } from './helpers/run-cli.js';
import { GraphBuilder } from './helpers/graph-builder.js';

const SEED = 11;
const IN_PROCESS = 7 * COMMANDS.length;
const root = mkdtempSync(join(tmpdir(), 'zeropoint-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function label(i: number): { seed: number; command: Command; name: string } {
  const seed = caseSeed(SEED, i);
  const command = COMMANDS[i % COMMANDS.length]!;
  const c = generateCase(seed, command);
  const what = c.what.length > 90 ? `${c.what.slice(0, 90)}...` : c.what;
  return { seed, command, name: `seed ${seed}: ${command} on ${c.base}, ${what}` };
}

async function problemsOf(
  seed: number,
  command: Command,
  run: typeof runInProcess,
  timeoutMs: number,
): Promise<string[]> {
  const c = generateCase(seed, command);
  const dirs = materialize(c, join(root, String(seed)));
  const before = snapshot(dirs);
  return checkCase(c, dirs, before, await run(c, dirs, timeoutMs));
}

describe('fuzzed inputs, in-process, end in a result or a coded error and leave no debris', () => {
  for (let i = 0; i < IN_PROCESS; i++) {
    const { seed, command, name } = label(i);
    it(name, async () => {
      expect(await problemsOf(seed, command, runInProcess, 30_000)).toEqual([]);
    });
  }
});

describe.concurrent('fuzzed inputs through the CLI exit 0 or 1 with one coded line', () => {
  COMMANDS.forEach((_, k) => {
    const { seed, command, name } = label(IN_PROCESS + k);
    it(name, { timeout: 120_000 }, async () => {
      expect(await problemsOf(seed, command, runThroughCli, 90_000)).toEqual([]);
    });
  });
});

describe('the fuzz checker', () => {
  it('reports an uncaught error, a stack trace, a changed input and a leftover temporary file', async () => {
    const c = generateCase(caseSeed(SEED, 0), 'quantize-dynamic');
    const dirs = materialize(c, join(root, 'checker'));
    const before = snapshot(dirs);
    writeFileSync(join(dirs.input, 'model.onnx'), 'changed');
    mkdirSync(dirs.output, { recursive: true });
    writeFileSync(join(dirs.output, '.model.q.onnx.1234.tmp'), '');
    const crash: Outcome = { status: 'crash', error: 'RangeError: Invalid typed array length' };
    const traced: Outcome = {
      status: 1,
      stderr: 'TypeError: x is undefined\n    at readModel (src/onnx/model.ts:1:1)\n',
    };
    const [a, b] = [
      await checkCase(c, dirs, before, crash),
      await checkCase(c, dirs, before, traced),
    ];
    expect(a).toContain('uncaught RangeError: Invalid typed array length');
    expect(a).toContain('input model.onnx changed');
    expect(a.some((p) => p.includes('.model.q.onnx.1234.tmp'))).toBe(true);
    expect(b).toContain('stack trace on stderr');
    expect(b.some((p) => p.startsWith('no coded error line'))).toBe(true);
  });
});

describe('defects found by fuzzing, through the CLI', () => {
  it("a model onnxruntime refuses prints one coded line, without onnxruntime's own log lines", async () => {
    // A Gemm bias whose float_data is shorter than its shape: zeropoint bench leaves the check
    // to onnxruntime, which also logged its refusal to stderr, in colour.
    const b = new GraphBuilder();
    const w = b.initializer('w', 'float32', [4, 4], new Float32Array(16));
    const bias = b.initializer('b', 'float32', [4], new Float32Array(4));
    b.output(b.op('Gemm', [b.input('x', 'float32', [1, 4]), w, bias]), 'float32', [1, 4]);
    const model = b.model();
    model.graph!.initializer[1]!.rawData = new Uint8Array(0);
    model.graph!.initializer[1]!.floatData = [1, 2, 3];
    const file = join(root, 'short-bias.onnx');
    writeFileSync(file, writeModel(model));
    const run = await runCli('bench', file, '--runs', '1', '--warmup', '0', '--no-memory');
    expect(run.status).toBe(1);
    expect(cliError(run)?.code).toBe('bad-model');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

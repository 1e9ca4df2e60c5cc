// Runs one fuzz case and checks what every command owes its user on bad input: it ends (no
// hang), with status 0 or 1; a failure is a ZeropointError, printed as one coded line with no
// stack trace; the inputs are unchanged; the output folder holds nothing after a failure (no
// output file, no *.tmp) and only the expected files after a success; and a model written from
// a model onnxruntime can run, onnxruntime can run too. In-process (the command functions,
// called directly) or through the real CLI in a child process. Not case generation (cases.ts).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ZeropointError } from '../../src/core/errors.js';
import { errorLine } from '../../src/cli/common/error-line.js';
import { benchModels } from '../../src/cli/bench/models.js';
import { formatQParams } from '../../src/cli/qparams/qparams-format.js';
import { parseNpy } from '../../src/cli/io/npy.js';
import { runProfile } from '../../src/cli/profile/profile-command.js';
import { calibratedQParams } from '../../src/cli/qparams/calibrated-qparams.js';
import { runModeQuantize, runQuantize } from '../../src/cli/quantize/quantize-command.js';
import { parseModeFlags } from '../../src/cli/quantize/modes.js';
import { readModel } from '../../src/onnx/model.js';
import { createSession, type RuntimeTensor } from '../../src/runtime/onnxruntime.js';
import { cliError } from '../helpers/run-cli.js';
import type { FuzzCase } from './cases.js';

/** How a run ended: an exit status, or a crash / timeout of the in-process call. */
export interface Outcome {
  readonly status: number | 'crash' | 'timeout' | `signal ${string}`;
  /** The coded error of a failure, or the uncaught error's name and first stack lines. */
  readonly error?: string;
  readonly stderr?: string;
}

/** The case's folders: inputs (never to change) and outputs (checked after the run). */
export interface CaseDirs {
  readonly input: string;
  readonly output: string;
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes the case's files under `root` (emptied first). */
export function materialize(c: FuzzCase, root: string): CaseDirs {
  rmSync(root, { recursive: true, force: true });
  const dirs = { input: join(root, 'in'), output: join(root, 'out') };
  mkdirSync(dirs.output, { recursive: true });
  for (const [name, bytes] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dirs.input, name)), { recursive: true });
    writeFileSync(join(dirs.input, name), bytes);
  }
  mkdirSync(dirs.input, { recursive: true });
  return dirs;
}

/** The files each command writes on success, relative to the output folder. */
export function expectedOutputs(c: FuzzCase): string[] {
  if (c.command.startsWith('quantize')) return ['model.q.onnx'];
  return c.command === 'profile' ? ['profile.json', 'report.html'] : [];
}

function qparamsArgs(c: FuzzCase): string[] {
  return Object.entries(c.qparams ?? {}).flatMap(([flag, value]) => {
    const name = `--${flag.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
    return value === true ? [name] : [name, value];
  });
}

/** The `zeropoint` arguments of the case. */
export function cliArgs(c: FuzzCase, dirs: CaseDirs): string[] {
  const at = (name: string): string => join(dirs.input, name);
  const model = at(c.model ?? 'model.onnx');
  const output = join(dirs.output, 'model.q.onnx');
  const calib = c.calib === undefined ? [] : ['--calib', at(c.calib)];
  switch (c.command) {
    case 'quantize-static':
      return ['quantize', model, ...calib, '-o', output, '--json'];
    case 'quantize-dynamic':
      return ['quantize', model, '--dynamic', '-o', output];
    case 'quantize-int4':
      return ['quantize', model, '--weights', 'int4', '-o', output];
    case 'profile':
      return [
        'profile',
        model,
        ...calib,
        '-o',
        join(dirs.output, 'report.html'),
        '--json',
        join(dirs.output, 'profile.json'),
        ...(c.base === 'cls' ? ['--no-sensitivity'] : []),
      ];
    case 'bench':
      return ['bench', model, ...calib, '--runs', '1', '--warmup', '0', '--no-memory'];
    case 'qparams':
      return ['qparams', ...(c.tensors ?? []).map(at), ...qparamsArgs(c)];
  }
}

/** Calls the command's function as its registered action does, without printing. */
async function invoke(c: FuzzCase, dirs: CaseDirs): Promise<void> {
  const at = (name: string): string => join(dirs.input, name);
  const model = at(c.model ?? 'model.onnx');
  const output = join(dirs.output, 'model.q.onnx');
  const calib = c.calib === undefined ? {} : { calib: at(c.calib) };
  if (c.command === 'quantize-static') {
    await runQuantize(model, { output, ...calib, json: true });
  } else if (c.command === 'quantize-dynamic' || c.command === 'quantize-int4') {
    const flags = c.command === 'quantize-dynamic' ? { dynamic: true } : { weights: 'int4' };
    await runModeQuantize(model, output, parseModeFlags(flags)!);
  } else if (c.command === 'profile') {
    await runProfile(model, {
      ...calib,
      output: join(dirs.output, 'report.html'),
      json: join(dirs.output, 'profile.json'),
      sensitivity: c.base !== 'cls',
    });
  } else if (c.command === 'bench') {
    await benchModels([model], {
      threads: 1,
      warmup: 0,
      runs: 1,
      dims: new Map(),
      memory: false,
      ...calib,
    });
  } else {
    const batches = (c.tensors ?? []).map((t) => parseNpy(readFileSync(at(t)), at(t)));
    formatQParams([calibratedQParams(batches, c.qparams ?? {})]);
  }
}

/** An outcome with its stderr and the coded error line found in it, if any. */
function coded(status: Outcome['status'], stderr: string): Outcome {
  const error = cliError({ status: 1, stdout: '', stderr });
  return {
    status,
    stderr,
    ...(error === undefined ? {} : { error: `${error.message} [${error.code}]` }),
  };
}

function describeCrash(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${String(error)}`;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 4);
  return [`${error.name}: ${error.message}`, ...frames.map((f) => f.trim())].join(' | ');
}

/** Runs the case in this process; a timeout leaves the call running (the caller decides). */
export async function runInProcess(
  c: FuzzCase,
  dirs: CaseDirs,
  timeoutMs: number,
): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout' }), timeoutMs);
  });
  const run = invoke(c, dirs).then(
    (): Outcome => ({ status: 0 }),
    (error: unknown): Outcome =>
      error instanceof ZeropointError
        ? coded(1, `${errorLine(error)}\n`)
        : { status: 'crash', error: describeCrash(error) },
  );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the case through `node --import tsx src/cli/main.ts`, killed after `timeoutMs`. */
export function runThroughCli(c: FuzzCase, dirs: CaseDirs, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', ...cliArgs(c, dirs)], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve(coded(timedOut ? 'timeout' : (status ?? `signal ${signal ?? '?'}`), stderr));
    });
  });
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
    )
    .sort();
}

type Feeds = Record<string, RuntimeTensor>;

/**
 * Feeds for the model's float32 inputs (every unknown or symbolic size 1), or undefined when an
 * input is of another type or too large to feed.
 */
function feedsFor(bytes: Uint8Array): Feeds | undefined {
  try {
    const graph = readModel(bytes).graph!;
    const initializers = new Set(graph.initializer.map((t) => t.name));
    const feeds: Feeds = {};
    for (const input of graph.input.filter((v) => !initializers.has(v.name))) {
      const tensor = input.type?.value.case === 'tensorType' ? input.type.value.value : undefined;
      if (tensor?.elemType !== 1) return undefined;
      const dims = (tensor.shape?.dim ?? []).map((d) =>
        d.value.case === 'dimValue' && d.value.value > 0n ? Number(d.value.value) : 1,
      );
      const count = dims.reduce((n, d) => n * d, 1);
      if (count > 1e7) return undefined;
      const data = Float32Array.from({ length: count }, (_, i) => Math.sin(i) * 0.9);
      feeds[input.name] = { type: 'float32', dims, data };
    }
    return feeds;
  } catch {
    return undefined;
  }
}

/** Why onnxruntime cannot load and run `bytes` on `feeds`, or undefined when it can. */
async function whyNotRunnable(bytes: Uint8Array, feeds: Feeds): Promise<string | undefined> {
  try {
    const session = await createSession(bytes);
    try {
      await session.run(feeds);
    } finally {
      await session.release();
    }
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}

/** Hashes of the input files, to compare after the run. */
export function snapshot(dirs: CaseDirs): Map<string, string> {
  return new Map(listFiles(dirs.input).map((f) => [f, sha(readFileSync(join(dirs.input, f)))]));
}

/** What the run got wrong; empty when it did all it owes. */
export async function checkCase(
  c: FuzzCase,
  dirs: CaseDirs,
  before: ReadonlyMap<string, string>,
  outcome: Outcome,
): Promise<string[]> {
  const problems: string[] = [];
  if (outcome.status === 'timeout') problems.push('did not finish in time');
  else if (outcome.status === 'crash') problems.push(`uncaught ${outcome.error}`);
  else if (outcome.status !== 0 && outcome.status !== 1) {
    problems.push(`exit status ${outcome.status}: ${outcome.stderr?.slice(0, 400)}`);
  }
  if (outcome.stderr !== undefined && /^\s+at /m.test(outcome.stderr)) {
    problems.push('stack trace on stderr');
  }
  if (outcome.status === 1) {
    if (outcome.error === undefined) {
      problems.push(`no coded error line: ${outcome.stderr?.slice(0, 400)}`);
    }
    const lines = (outcome.stderr ?? '').split('\n').filter((l) => l.trim() !== '');
    if (lines.length !== 1) {
      problems.push(`stderr has ${lines.length} lines: ${outcome.stderr?.slice(0, 400)}`);
    }
  }
  const after = snapshot(dirs);
  for (const [file, hash] of before) {
    if (after.get(file) !== hash) problems.push(`input ${file} changed`);
  }
  for (const file of after.keys())
    if (!before.has(file)) problems.push(`new file in input folder: ${file}`);
  const written = listFiles(dirs.output);
  const expected = outcome.status === 0 ? expectedOutputs(c) : [];
  if (written.join() !== expected.join()) {
    problems.push(`output folder holds [${written.join(', ')}], expected [${expected.join(', ')}]`);
  }
  if (outcome.status === 0 && c.command.startsWith('quantize') && written.length > 0) {
    const input = new Uint8Array(readFileSync(join(dirs.input, c.model!)));
    const feeds = feedsFor(input);
    if (feeds !== undefined && (await whyNotRunnable(input, feeds)) === undefined) {
      const output = new Uint8Array(readFileSync(join(dirs.output, 'model.q.onnx')));
      const why = await whyNotRunnable(output, feeds);
      if (why !== undefined) problems.push(`onnxruntime runs the input but not the output: ${why}`);
    }
  }
  return problems;
}

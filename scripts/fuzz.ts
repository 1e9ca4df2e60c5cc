// `npm run fuzz -- --cases N [--cli M] [--seed S] [--command C] [--timeout MS]`: runs N seeded
// fuzz cases in-process (in a worker process, restarted after a hang or a crash) and M through
// the real CLI, and prints every failing case with its seed and mutation; `--replay SEED` runs
// one case both ways and prints everything. The cases and checks are test/fuzz/'s.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCase, type Command } from '../test/fuzz/cases.js';
import {
  checkCase,
  cliArgs,
  materialize,
  runInProcess,
  runThroughCli,
  snapshot,
} from '../test/fuzz/run-case.js';
import { caseSeed } from '../test/fuzz/rng.js';
import type { WorkerJob, WorkerReport } from '../test/fuzz/worker.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '200' },
    cli: { type: 'string' },
    seed: { type: 'string', default: '1' },
    command: { type: 'string' },
    timeout: { type: 'string', default: '120000' },
    replay: { type: 'string' },
  },
});
const cases = Number(values.cases);
const cliCases = Number(values.cli ?? Math.ceil(cases / 10));
const seed = Number(values.seed);
const timeoutMs = Number(values.timeout);
const command = values.command as Command | undefined;
const root = mkdtempSync(join(tmpdir(), 'zeropoint-fuzz-'));

interface Result {
  readonly seed: number;
  readonly how: 'in-process' | 'cli';
  readonly command: string;
  readonly what: string;
  readonly status: number | string;
  readonly problems: readonly string[];
}

const results: Result[] = [];

function record(result: Result): void {
  results.push(result);
  if (result.problems.length > 0) {
    console.log(`FAIL ${result.how} seed ${result.seed}: ${result.command}, ${result.what}`);
    for (const p of result.problems) console.log(`  - ${p}`);
    console.log(
      `  replay: npm run fuzz -- --replay ${result.seed}${command === undefined ? '' : ` --command ${command}`}; ` +
        `files: ${join(root, String(result.seed))}`,
    );
  }
  if (results.length % 50 === 0) console.log(`... ${results.length} cases`);
}

/** Runs `seeds` in worker processes, one at a time, restarting the worker after a hang or crash. */
async function runInWorkers(seeds: number[]): Promise<void> {
  while (seeds.length > 0) {
    const job: WorkerJob = {
      seeds,
      root,
      timeoutMs,
      ...(command === undefined ? {} : { command }),
    };
    const child = fork(new URL('../test/fuzz/worker.ts', import.meta.url), {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child
      .stderr!.setEncoding('utf8')
      .on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
    let current: number | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const ended = new Promise<string>((resolve) => {
      child.on('message', (report: WorkerReport) => {
        clearTimeout(watchdog);
        if (report.type === 'start') {
          current = report.seed;
          watchdog = setTimeout(() => {
            child.kill('SIGKILL');
            resolve('hang: no result in time (synchronous loop?)');
          }, timeoutMs + 30_000);
          return;
        }
        current = undefined;
        seeds = seeds.filter((s) => s !== report.seed);
        record({ how: 'in-process', ...report });
      });
      child.on('exit', (code, signal) =>
        resolve(
          `worker exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      );
    });
    const left = seeds.length;
    child.send(job);
    const why = await ended;
    clearTimeout(watchdog);
    if (current === undefined && seeds.length === left) {
      // The worker died before its first case (e.g. the tree does not compile): give up.
      console.error(`fuzz worker ran no case: ${why}`);
      process.exit(2);
    }
    if (current !== undefined) {
      const c = generateCase(current, command);
      record({
        seed: current,
        how: 'in-process',
        command: c.command,
        what: c.what,
        status: 'lost',
        problems: [why],
      });
      seeds = seeds.filter((s) => s !== current);
    }
  }
}

async function runCliCase(caseSeedValue: number, verbose = false): Promise<void> {
  const c = generateCase(caseSeedValue, command);
  const dirs = materialize(c, join(root, String(caseSeedValue)));
  const before = snapshot(dirs);
  const outcome = await runThroughCli(c, dirs, timeoutMs);
  const problems = await checkCase(c, dirs, before, outcome);
  if (verbose)
    console.log(
      `cli: zeropoint ${cliArgs(c, dirs).join(' ')}\n  status ${outcome.status}\n  stderr ${outcome.stderr?.trim()}`,
    );
  record({
    seed: caseSeedValue,
    how: 'cli',
    command: c.command,
    what: c.what,
    status: outcome.status,
    problems,
  });
  if (problems.length === 0)
    rmSync(join(root, String(caseSeedValue)), { recursive: true, force: true });
}

if (values.replay !== undefined) {
  const s = Number(values.replay);
  const c = generateCase(s, command);
  console.log(`case ${s}: ${c.command} on ${c.base}; ${c.what}`);
  const dirs = materialize(c, join(root, `${s}-in-process`));
  const before = snapshot(dirs);
  const outcome = await runInProcess(c, dirs, timeoutMs);
  console.log(`in-process: ${outcome.status} ${outcome.error ?? ''}`);
  for (const p of await checkCase(c, dirs, before, outcome)) console.log(`  - ${p}`);
  await runCliCase(s, true);
  console.log(`files: ${root}`);
} else {
  const started = performance.now();
  await runInWorkers(Array.from({ length: cases }, (_, i) => caseSeed(seed, i)));
  const cliSeeds = Array.from({ length: cliCases }, (_, i) => caseSeed(seed, cases + i));
  for (let i = 0; i < cliSeeds.length; i += 2) {
    await Promise.all(cliSeeds.slice(i, i + 2).map((s) => runCliCase(s)));
  }
  const failed = results.filter((r) => r.problems.length > 0);
  const tally = new Map<string, number>();
  for (const r of results) {
    const key = `${r.how} ${r.command} ${r.status}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  console.log(
    `\nseed ${seed}: ${cases} in-process and ${cliCases} CLI cases in ${((performance.now() - started) / 1000).toFixed(0)} s; ${failed.length} failed`,
  );
  for (const [key, n] of [...tally].sort()) console.log(`  ${key}: ${n}`);
  if (failed.length === 0) rmSync(root, { recursive: true, force: true });
  process.exitCode = failed.length === 0 ? 0 : 1;
}

// A child process that runs fuzz cases in-process for scripts/fuzz.ts: the parent sends the
// case seeds, the worker reports each case's start and result over IPC, so a hang or a crash
// of the whole process (a native abort, an out-of-memory kill) still names its case: the parent
// kills or loses the worker, records the case, and starts another for the rest.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateCase, type Command } from './cases.js';
import { checkCase, materialize, runInProcess, snapshot } from './run-case.js';

/** What the parent sends: the cases to run, where, and each one's time limit. */
export interface WorkerJob {
  readonly seeds: readonly number[];
  readonly command?: Command;
  readonly root: string;
  readonly timeoutMs: number;
}

/** What the worker reports per case. */
export type WorkerReport =
  | { readonly type: 'start'; readonly seed: number }
  | {
      readonly type: 'done';
      readonly seed: number;
      readonly command: Command;
      readonly base: string;
      readonly what: string;
      readonly status: number | string;
      readonly error?: string;
      readonly problems: readonly string[];
    };

function send(report: WorkerReport): Promise<void> {
  return new Promise((resolve) => process.send!(report, () => resolve()));
}

process.once('message', (job: WorkerJob) => {
  void (async () => {
    for (const seed of job.seeds) {
      await send({ type: 'start', seed });
      const c = generateCase(seed, job.command);
      const dirs = materialize(c, join(job.root, String(seed)));
      const before = snapshot(dirs);
      const outcome = await runInProcess(c, dirs, job.timeoutMs);
      const problems = await checkCase(c, dirs, before, outcome);
      await send({
        type: 'done',
        seed,
        command: c.command,
        base: c.base,
        what: c.what,
        status: outcome.status,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        problems,
      });
      if (problems.length === 0)
        rmSync(join(job.root, String(seed)), { recursive: true, force: true });
      // A timed-out call may still be running: leave, and let the parent start a fresh worker.
      if (outcome.status === 'timeout') process.exit(0);
    }
    process.exit(0);
  })();
});

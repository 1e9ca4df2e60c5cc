// Runs the `zeropoint` command line in a child process, as a user would, without waiting on
// other tests: several runs overlap. Test-only; the CLI itself is src/cli/main.ts.
import { spawn } from 'node:child_process';

/** What a finished run printed and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node --import tsx src/cli/main.ts ...args` from the repository root. `quantize` gets
 * --no-verdict (timing the output against fp32 costs seconds a test of something else does not
 * need) unless the args ask for the verdict with --prefer or --max-latency.
 */
export function runCli(...args: string[]): Promise<CliRun> {
  const verdict = args.includes('--prefer') || args.includes('--max-latency');
  const all = args[0] === 'quantize' && !verdict ? [...args, '--no-verdict'] : args;
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli/main.ts', ...all], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The `zeropoint: <message> [<code>]` line of a failed run, split; undefined if none. */
export function cliError(run: CliRun): { message: string; code: string } | undefined {
  const match = /^zeropoint: (.*) \[([a-z-]+)\]$/m.exec(run.stderr);
  return match === null ? undefined : { message: match[1]!, code: match[2]! };
}

// Peak memory of loading and running a model, for `zeropoint bench`: each model runs in a fresh
// child process (memory-child.ts), so that models measured earlier in this process, and
// memory the allocator keeps after them, do not count. Not the latency measurement.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Feeds } from './inputs.js';

/** What the parent sends the child. */
export interface MemoryRequest {
  readonly file: string;
  readonly feeds: Feeds;
  readonly threads: number;
  readonly runs: number;
}

/** Resident bytes before loading and at the peak; or why the child could not measure. */
export type MemoryReply =
  { readonly baseline: number; readonly peak: number } | { readonly error: string };

/** Bytes a model adds to a fresh process at its peak, and that process's peak resident size. */
export interface PeakMemory {
  readonly addedBytes: number;
  readonly peakRssBytes: number;
}

/** Loads and runs the model `runs` times in a child process and returns its peak memory. */
export function measurePeakMemory(
  request: MemoryRequest,
  timeoutMs = 120_000,
): Promise<PeakMemory | string> {
  const here = fileURLToPath(import.meta.url);
  const child = fork(here.replace(/memory(\.[cm]?[jt]s)$/, 'memory-child$1'), [], {
    execArgv: process.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill();
      resolve(`timed out after ${timeoutMs / 1000} s`);
    }, timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      const reply = message as MemoryReply;
      resolve(
        'error' in reply
          ? reply.error
          : { addedBytes: Math.max(0, reply.peak - reply.baseline), peakRssBytes: reply.peak },
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(`the measuring process exited with code ${code}: ${stderr.trim().slice(0, 300)}`);
    });
    child.send(request);
  });
}

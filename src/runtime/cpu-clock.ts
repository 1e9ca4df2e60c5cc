// The process's CPU time, for timing single-threaded runs on a shared machine: a run's CPU time
// is its latency less the time it waited for a core, so it holds where wall time swings with
// other processes' load. Not a timer for multi-threaded runs (CPU time then sums the threads).

/** Seconds of CPU (user + system) this process has used so far. */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

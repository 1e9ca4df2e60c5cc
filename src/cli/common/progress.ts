// A progress bar on stderr for long runs (calibration): count, total and ETA through
// cli-progress, or a count and elapsed time when the total is unknown. Silent when stderr is
// not a terminal or the caller asks for quiet (e.g. --json). Not logging: results go to stdout.
import cliProgress from 'cli-progress';

/** A running progress display. */
export interface Progress {
  /** Shows `done` items (and a new total when one becomes known). */
  update(done: number, total?: number): void;
  /** Removes the bar; call once at the end, also on failure. */
  stop(): void;
}

/** Options of progressBar. */
export interface ProgressOptions {
  /** Show nothing (e.g. with --json). */
  readonly quiet?: boolean;
  /** The stream to draw on; process.stderr by default. */
  readonly stream?: NodeJS.WriteStream;
}

const SILENT: Progress = Object.freeze({ update: () => undefined, stop: () => undefined });

/**
 * A bar labelled `label` counting to `total` (undefined: unknown) on stderr; a no-op when
 * the stream is not a TTY or `quiet` is set.
 */
export function progressBar(
  total: number | undefined,
  label: string,
  options: ProgressOptions = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet === true || stream.isTTY !== true) return SILENT;
  const known = total !== undefined && total > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: known
        ? `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {duration_formatted}`
        : `${label} {value} | {duration_formatted}`,
      etaBuffer: 20,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(known ? total : 0, 0);
  let stopped = false;
  return {
    update(done, newTotal) {
      if (stopped) return;
      if (newTotal !== undefined && newTotal !== total && newTotal > 0) bar.setTotal(newTotal);
      bar.update(done);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

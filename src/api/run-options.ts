// What every public API function takes besides its own options: a progress callback, an
// AbortSignal and onnxruntime's thread count, and the one abort check they all use. Not the
// recipes' options (each API file declares its own, extending RunOptions).
import { fail } from '../core/index.js';
import type { ObserveHostFactory } from '../ptq/index.js';

/** The stage a progress report is about: calibration runs, one-layer variants, search trials. */
export type ProgressStage = 'calibrating' | 'sensitivity' | 'search';

/** Called as work advances: `done` of `total` items (samples, layers, trials); total may be unknown. */
export type ProgressCallback = (
  stage: ProgressStage,
  done: number,
  total: number | undefined,
) => void;

/** Options every API function takes. */
export interface RunOptions {
  /** Progress: samples calibrated, layers measured, search trials run. */
  readonly onProgress?: ProgressCallback;
  /** Stops the work between batches and between trials with a ZeropointError coded `aborted`. */
  readonly signal?: AbortSignal;
  /** onnxruntime intra-op threads (default 1). */
  readonly threads?: number;
  /** Where calibration's observers run: this thread by default; the CLI passes a worker's. */
  readonly observeHost?: ObserveHostFactory;
}

/** Fails with code `aborted` when `signal` has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  fail('aborted', `aborted by the caller's signal${why === '' ? '' : `: ${why}`}`);
}

/** `onProgress` for one stage, checking the signal first (so an abort also lands mid-stage). */
export function stageProgress(
  options: RunOptions,
  stage: ProgressStage,
): (done: number, total: number | undefined) => void {
  const progress = anyStageProgress(options);
  return (done, total) => progress(stage, done, total);
}

/** The same progress callback for the recipes that name their own stage. */
export function anyStageProgress(options: RunOptions): ProgressCallback {
  return (stage, done, total) => {
    checkAborted(options.signal);
    options.onProgress?.(stage, done, total);
  };
}

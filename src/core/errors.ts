// The one error type of zeropoint: a code from a small union plus the context that names
// what failed (node, tensor, file, input, sample). Not a logger: warnings go into report data.

/** What went wrong, as a stable machine-readable code. */
export type ErrorCode =
  | 'bad-argument'
  | 'bad-range'
  | 'bad-shape'
  | 'unsupported-qtype'
  | 'unsupported-op'
  | 'bad-model'
  | 'bad-file'
  | 'bad-calibration-data'
  | 'io'
  /** The caller's AbortSignal fired; nothing was returned. */
  | 'aborted';

/** Where it went wrong: each field present only when it applies. */
export interface ErrorContext {
  readonly node?: string;
  readonly tensor?: string;
  readonly file?: string;
  readonly input?: string;
  readonly sample?: number;
  readonly axis?: number;
}

/** An error with a code and context; every error zeropoint throws on purpose is one. */
export class ZeropointError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message);
    this.name = 'ZeropointError';
    this.code = code;
    this.context = context;
  }
}

/** Throws a ZeropointError; a helper so validation reads as one line. */
export function fail(code: ErrorCode, message: string, context: ErrorContext = {}): never {
  throw new ZeropointError(code, message, context);
}

/** True when `error` is a ZeropointError with the given code. */
export function isZeropointError(error: unknown, code?: ErrorCode): error is ZeropointError {
  return error instanceof ZeropointError && (code === undefined || error.code === code);
}

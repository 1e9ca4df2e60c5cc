// Writing output files so that a reader never sees a partial one: write a temporary file in
// the same folder, then rename it over the target. Not reading, and not caching logic.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../core/errors.js';

/**
 * Writes `bytes` to `path` through a temporary file and a rename, creating the folder if needed;
 * `io` error if it cannot.
 */
export function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const temp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(temp, bytes);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    fail('io', `cannot write ${path}: ${(error as Error).message}`, { file: path });
  }
}

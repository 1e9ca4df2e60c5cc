// Writing output files so that a reader never sees a partial one: write a temporary file in
// the same folder, then rename it over the target; and checking, before any long work, that
// the target can be written at all. Not reading, and not caching logic.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../core/errors.js';

function tempPath(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing was created there (e.g. the folder is a file): nothing to clean up.
  }
}

/**
 * Writes `bytes` to `path` through a temporary file and a rename, creating the folder if needed;
 * `io` error if it cannot, and then no file is left behind.
 */
export function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const temp = tempPath(path);
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(temp, bytes, { flush: true });
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    fail('io', `cannot write ${path}: ${(error as Error).message}`, { file: path });
  }
}

/**
 * Fails with `io` when `path` cannot be written: it is a folder, its nearest existing folder
 * is a file, or a file cannot be created beside it. Leaves nothing behind; call it before
 * long work so that a bad output path fails at once.
 */
export function checkWritable(path: string): void {
  const target = resolve(path);
  let folder = dirname(target);
  while (!existsSync(folder)) folder = dirname(folder);
  const cannot = (why: string): never =>
    fail('io', `cannot write ${path}: ${why}; choose another path`, { file: path });
  if (!statSync(folder).isDirectory()) cannot(`${folder} is a file, not a folder`);
  if (existsSync(target) && statSync(target).isDirectory()) cannot('it is a folder');
  if (folder !== dirname(target)) {
    // writeAtomic creates the missing folders; here the nearest one must let it.
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      cannot(`no permission to create folders in ${folder}`);
    }
    return;
  }
  const probe = tempPath(path);
  try {
    closeSync(openSync(probe, 'w'));
  } catch (error) {
    cannot((error as Error).message);
  }
  removeQuietly(probe);
}

// Writing output files so that a reader never sees a partial one: write a temporary file in
// the same folder, then rename it over the target; and checking, before any long work, that
// the target can be written at all and is not an input. Not reading, and not caching logic.
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
import { fail } from '../../core/errors.js';

/** True when both paths name one file: the same path, or (through links) the same inode. */
export function isSameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Fails with `bad-argument` when `output` is the input model, or `cache` (a JSON file read or
 * written beside them) is either: zeropoint never overwrites its input.
 */
export function checkOutputPaths(model: string, output: string, cache?: string): void {
  if (isSameFile(model, output)) {
    fail(
      'bad-argument',
      `the output path ${output} is the input model; zeropoint never overwrites its ` +
        'input: choose another -o path',
      { file: output },
    );
  }
  if (cache !== undefined && [model, output].some((p) => isSameFile(p, cache))) {
    fail('bad-argument', `--cache ${cache} names the input or output model; give a .json path`, {
      file: cache,
    });
  }
}

/** The temporary file beside `path` that writeAtomic renames over it. */
export function tempPath(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
}

/** Removes `path` if it is there; never fails. */
export function removeQuietly(path: string): void {
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

// Loads a user's JavaScript module by path and takes one function export from it: the
// --target-metric `score` and the --qat --loss `loss` modules alike. Errors are `bad-file`
// naming the module. Not what the function does, nor checking what it returns (callers do).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from '../../core/errors.js';

/**
 * Imports the module at `path` and returns its export `name` (or its default export);
 * `what` ('metric module') and `signature` ('score(outputs, inputs, reference)') word the errors.
 */
export async function importFunction(
  path: string,
  name: string,
  what: string,
  signature: string,
): Promise<(...args: never[]) => unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    fail('bad-file', `cannot load ${what} ${path}: ${(error as Error).message}`, { file: path });
  }
  const found = module[name] ?? module.default;
  if (typeof found !== 'function') {
    fail('bad-file', `${what} ${path} must export a function ${signature}`, { file: path });
  }
  return found as (...args: never[]) => unknown;
}

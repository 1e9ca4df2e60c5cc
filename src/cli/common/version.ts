// The version the `zeropoint` command prints: read from the package.json three folders above
// this module, which is the package root both from src/cli/common/ (tsx) and from
// dist/cli/common/ (built).
// Not a build step: nothing is generated or copied at build time.
import { readFileSync } from 'node:fs';
import { fail } from '../../core/errors.js';

/** The `version` field of zeropoint's own package.json. */
export function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail('io', `cannot read zeropoint's package.json: ${(error as Error).message}`, {
      file: file.pathname,
    });
  }
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== 'string') {
    fail('bad-file', "zeropoint's package.json has no version", { file: file.pathname });
  }
  return version;
}

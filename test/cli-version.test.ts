// End to end: `zeropoint --version` prints the version of package.json, run as a user would.
// The built entry point (dist/cli/main.js) reads the same file from the same relative place.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('zeropoint --version', () => {
  it("prints package.json's version and exits 0", async () => {
    const run = await runCli('--version');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe(`${manifest.version}\n`);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('-V is the short form', async () => {
    const run = await runCli('-V');
    expect(run.stdout).toBe(`${manifest.version}\n`);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isZeropointError } from '../../core/errors.js';
import { STUDIO_HEADERS, startStudioServer } from './studio-server.js';

const root = mkdtempSync(join(tmpdir(), 'zeropoint-studio-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(root, 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('studio server', () => {
  it('serves the folder on 127.0.0.1 with isolation headers, and 404s what is not there', async () => {
    const server = await startStudioServer({ root, port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>t</title>');
      for (const [name, value] of Object.entries(STUDIO_HEADERS)) {
        expect(page.headers.get(name)).toBe(value);
      }
      const wasm = await fetch(new URL('a.wasm', server.url));
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      const missing = await fetch(new URL('nope.js', server.url));
      expect(missing.status).toBe(404);
      expect(missing.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    } finally {
      await server.close();
    }
  });

  it('a folder without index.html is a coded io error naming it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'zeropoint-empty-'));
    try {
      await startStudioServer({ root: empty });
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'io')).toBe(true);
      expect((error as Error).message).toContain(`no index.html in ${empty}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a port in use is a coded io error that says to pick another', async () => {
    const first = await startStudioServer({ root, port: 0 });
    try {
      await expect(startStudioServer({ root, port: first.port })).rejects.toThrow(
        /port \d+ on 127\.0\.0\.1 is in use; pick another with --port/,
      );
    } finally {
      await first.close();
    }
  });
});

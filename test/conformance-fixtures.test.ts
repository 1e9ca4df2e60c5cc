// Checks that test/fixtures/onnx-node, the in-repository copy of ONNX's node tests, is
// byte-identical to the original in ../shared/conformance/onnx-node where a checkout has one.
// The only test that reads ../shared; a fresh clone skips it and runs on the copy alone.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { CONFORMANCE_DIR } from './conformance-cases.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the project's shared data sits: beside the repository. */
const SHARED_DIR = path.resolve(REPO_ROOT, '../shared/conformance/onnx-node');
/** Files of the copy that are ours, not ONNX's: the notice and the licence text. */
const OWN_FILES = new Set(['README.md', 'LICENSE']);

/** Every file under `root`, as sorted paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

const present = existsSync(SHARED_DIR);
const title = present
  ? 'test/fixtures/onnx-node is a byte-identical copy of ../shared/conformance/onnx-node'
  : 'copy check skipped: ../shared/conformance/onnx-node is absent in this checkout';

describe.skipIf(!present)(title, () => {
  it('holds the same files, plus only its README and LICENSE', () => {
    const copy = filesUnder(CONFORMANCE_DIR).filter((f) => !OWN_FILES.has(f));
    expect(copy).toEqual(filesUnder(SHARED_DIR));
    expect(copy.length).toBeGreaterThan(0);
  });

  it('every file has the same bytes', () => {
    const differing = filesUnder(SHARED_DIR).filter((file) => {
      const original = readFileSync(path.join(SHARED_DIR, file));
      const copy = readFileSync(path.join(CONFORMANCE_DIR, file));
      return !original.equals(copy);
    });
    expect(differing).toEqual([]);
  });
});

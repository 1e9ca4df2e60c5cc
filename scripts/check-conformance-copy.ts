// Checks that test/fixtures/onnx-node, the in-repository copy of ONNX's node tests that
// `npm test` reads, is byte-identical to an original (default ../shared/conformance/onnx-node):
// `npm run check:conformance-copy [DIR]`. A maintainer's check when the original changes;
// deliberately not part of `npm test`, which must pass on a clone with nothing beside it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COPY_DIR = path.join(REPO_ROOT, 'test/fixtures/onnx-node');
const ORIGINAL_DIR = path.resolve(
  process.argv[2] ?? path.join(REPO_ROOT, '../shared/conformance/onnx-node'),
);
/** Files of the copy that are ours, not ONNX's: the notice and the licence text. */
const OWN_FILES = new Set(['README.md', 'LICENSE']);

/** Every file under `root`, as sorted paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

if (!existsSync(ORIGINAL_DIR)) {
  console.error(`no original at ${ORIGINAL_DIR}: pass the folder of ONNX's node tests`);
  process.exit(2);
}
const copy = filesUnder(COPY_DIR).filter((file) => !OWN_FILES.has(file));
const original = filesUnder(ORIGINAL_DIR);
const copySet = new Set(copy);
const originalSet = new Set(original);
const missing = original.filter((file) => !copySet.has(file));
const extra = copy.filter((file) => !originalSet.has(file));
const differing = original.filter(
  (file) =>
    copySet.has(file) &&
    !readFileSync(path.join(ORIGINAL_DIR, file)).equals(readFileSync(path.join(COPY_DIR, file))),
);
for (const [what, files] of [
  ['missing from the copy', missing],
  ['only in the copy', extra],
  ['different bytes', differing],
] as const) {
  for (const file of files) console.error(`${what}: ${file}`);
}
if (missing.length + extra.length + differing.length > 0) process.exit(1);
console.log(`test/fixtures/onnx-node matches ${ORIGINAL_DIR}: ${original.length} files`);

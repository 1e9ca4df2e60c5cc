// `npm run size`: lines of TypeScript per folder of src/, core first, tests counted apart,
// in the spirit of tinygrad's sz.py. A glance at where the code is and how big files grow.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ORDER = [
  'core',
  'kernels',
  'observers',
  'onnx',
  'passes',
  'runtime',
  'ptq',
  'hardware',
  'advise',
  'report',
  'cli',
  'web',
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? (name === 'gen' ? [] : files(path)) : [path];
  });
}

const rows = new Map<string, { code: number; tests: number; files: number; largest: number }>();
for (const path of files('src').filter((p) => p.endsWith('.ts'))) {
  const folder = relative('src', path).split('/').slice(0, -1)[0] ?? '.';
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
  const row = rows.get(folder) ?? { code: 0, tests: 0, files: 0, largest: 0 };
  if (path.endsWith('.test.ts')) row.tests += lines;
  else {
    row.code += lines;
    row.files += 1;
    row.largest = Math.max(row.largest, lines);
  }
  rows.set(folder, row);
}
const rank = (f: string): number => (ORDER.includes(f) ? ORDER.indexOf(f) : ORDER.length);
console.log('folder      code  tests  files  largest file');
for (const [folder, r] of [...rows].sort((a, b) => rank(a[0]) - rank(b[0]))) {
  console.log(
    `${folder.padEnd(10)} ${String(r.code).padStart(5)} ${String(r.tests).padStart(6)} ${String(r.files).padStart(6)} ${String(r.largest).padStart(13)}`,
  );
}

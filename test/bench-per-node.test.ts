// End to end: `zeropoint bench --per-node A B` on two tiny models built in code, run as a user
// would in a child process: the JSON carries one row per node, largest delta first, with the
// node only B has counted with its producer; the table prints; one model is a coded error.
// No wall-clock figure is asserted: only which node leads and that the figures add up.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../src/onnx/build.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const dir = mkdtempSync(join(tmpdir(), 'zeropoint-per-node-'));

/** x [64, 64] -> Relu -> (MatMul x `heavy`) -> Neg -> y. */
function chain(file: string, heavy: number): string {
  const m = new ModelBuilder('chain');
  let x = m.op('Relu', [m.input('x', 'float32', [64, 64])]);
  const w = m.initializer('w', 'float32', [64, 64], new Float32Array(4096).fill(0.01));
  for (let i = 0; i < heavy; i++) x = m.op('MatMul', [x, w]);
  m.output(m.op('Neg', [x]), 'float32', [64, 64]);
  writeFileSync(join(dir, file), m.bytes());
  return join(dir, file);
}

interface Report {
  files: string[];
  rows: { node: string; op: string; aMs: number; bMs: number; deltaMs: number; merged: string[] }[];
  differenceMs: number;
  explainedMs: number;
  explained: number;
  profilerOverheadUs: number;
}

const light = chain('light.onnx', 0);
const heavy = chain('heavy.onnx', 6);
const run = (...args: string[]) =>
  execFileSync('node', [...CLI, 'bench', '--per-node', '--runs', '8', ...args], {
    encoding: 'utf8',
  });

describe('zeropoint bench --per-node', () => {
  it('leads with the node that carries B-only MatMuls, and its rows add up to explainedMs', () => {
    const report = JSON.parse(run(light, heavy, '--json')) as Report;
    expect(report.files).toEqual([light, heavy]);
    expect(report.rows[0]).toMatchObject({ node: 'Relu_0', op: 'Relu' });
    expect(report.rows[0]!.deltaMs).toBeGreaterThan(0);
    const sum = report.rows.reduce((s, r) => s + r.deltaMs, 0);
    expect(sum).toBeCloseTo(report.explainedMs, 6);
    expect(report.explained).toBeCloseTo(report.explainedMs / report.differenceMs, 6);
    expect(report.profilerOverheadUs).toBeGreaterThanOrEqual(0);
  });

  it('prints the table with the explained fraction', () => {
    const text = run(light, heavy);
    expect(text).toMatch(/node +op +A ms +B ms +delta ms +share/);
    expect(text).toMatch(/the table explains .* ms of it: -?\d+\.\d%/);
  });

  it('one model is a coded error', () => {
    const r = spawnSync('node', [...CLI, 'bench', '--per-node', light], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--per-node compares two models/);
  });
});

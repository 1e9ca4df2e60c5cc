// Shared benchmark plumbing: interleaved timing of several cases in one process (so ratios
// hold on a noisy shared machine), the memory-bound baseline pass, and table printing.
// Not a test: nothing here asserts a time.
import { createRng } from './ocr/text.js';

/** One thing to time; `fn` runs the whole workload once. */
export interface BenchCase {
  readonly name: string;
  readonly fn: () => void;
}

/** Median and best seconds per run of a case. */
export interface BenchResult {
  readonly name: string;
  readonly median: number;
  readonly best: number;
}

/**
 * Runs every case `rounds` times, interleaved (a, b, c, a, b, c, ...) after one warm-up each,
 * and returns the median and best wall time per case.
 */
export function timeInterleaved(cases: readonly BenchCase[], rounds = 7): BenchResult[] {
  for (const c of cases) c.fn();
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      c.fn();
      samples[i]!.push(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  }
  return cases.map((c, i) => {
    const s = samples[i]!.sort((a, b) => a - b);
    return { name: c.name, median: s[Math.floor(s.length / 2)]!, best: s[0]! };
  });
}

/**
 * The memory-bound limit for a float32 -> one-byte-per-element pass: reads the same bytes and
 * writes one byte each, with the least work a loop can do (a truncating store).
 */
export function memoryBoundPass(x: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i]!;
}

/** Deterministic float32 test data: a gaussian-ish mix from a fixed-seed generator. */
export function benchData(n: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  const next = (): number => rng.next();

  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (next() + next() + next() - 1.5) * 2;
  return x;
}

/** Prints rows as an aligned plain-text table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** Formats elements per second as e.g. "412.3 M/s". */
export function perSecond(elements: number, seconds: number): string {
  return `${(elements / seconds / 1e6).toFixed(1)} M/s`;
}

/** The value of `--name=V` on the command line, else `fallback` (bench/main.ts takes bare words as bench names). */
export function textFlag(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

/** `--name=N` as a number, else `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

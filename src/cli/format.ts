// Plain-text rendering of command results for a person: short aligned tables, numbers with
// the digits that matter. Not JSON (the commands print JSON.stringify themselves).
import type { QuantMetrics } from '../core/metrics.js';
import type { QParamsResult } from './qparams-command.js';

/** Aligns rows into columns; the first column left-aligned, the rest right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A number in at most `digits` significant digits, without exponent noise for common sizes. */
export function num(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(value.toPrecision(digits)));
  return value.toExponential(digits - 1);
}

function summary(values: number | number[]): string {
  if (typeof values === 'number') return num(values);
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length <= 4) return values.map((v) => num(v)).join(' ');
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${num(sorted[0]!)}..${num(sorted[sorted.length - 1]!)} (median ${num(median)}, n=${sorted.length})`;
}

/** A range as "[min, max]", or a summary of per-channel ranges. */
export function rangeText(range: QParamsResult['range']): string {
  const [lo, hi] = range;
  if (typeof lo === 'number' && typeof hi === 'number') return `[${num(lo)}, ${num(hi)}]`;
  const los = lo as number[];
  const his = hi as number[];
  return `[${num(Math.min(...los))}, ${num(Math.max(...his))}] over ${los.length}`;
}

/** A fraction as a percentage with the digits that matter. */
export function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
}

const METRIC_ROWS: readonly [string, (m: QuantMetrics) => string][] = [
  ['SQNR (dB)', (m) => num(m.sqnrDb)],
  ['MSE', (m) => num(m.mse)],
  ['max |error|', (m) => num(m.maxAbsError)],
  ['cosine', (m) => m.cosine.toFixed(6)],
  ['clipped', (m) => percent(m.clippedFraction)],
  ['grid used', (m) => percent(m.gridUsed)],
];

/** One or more results as a table with one column per result (`--compare` passes two). */
export function formatQParams(results: readonly QParamsResult[]): string {
  const first = results[0];
  if (first === undefined) return '';
  const granularity =
    first.axis === null
      ? 'per-tensor'
      : first.blockSize === null
        ? `per-axis (axis ${first.axis})`
        : `per-block (axis ${first.axis}, block ${first.blockSize})`;
  const header = ['', ...results.map((r) => `${r.scheme} ${r.qtype}`)];
  const rows: string[][] = [
    ['method', ...results.map((r) => r.method)],
    ['range', ...results.map((r) => rangeText(r.range))],
    ['scale', ...results.map((r) => summary(r.scale))],
    ['zero point', ...results.map((r) => summary(r.zeroPoint))],
    ...METRIC_ROWS.map(([label, get]) => [label, ...results.map((r) => get(r.metrics))]),
  ];
  return `${granularity}\n${table(header, rows)}`;
}

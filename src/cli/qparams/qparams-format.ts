// The tables of `zeropoint qparams`: one column per scheme (`--compare` gives two), and for
// `--compare-methods` one row per calibration method and scheme, with the range each method
// chose and the error of quantizing the data with it. Not JSON.
import type { QuantMetrics } from '../../core/metrics.js';
import { num, percent, table } from '../common/format.js';
import type { QParamsResult } from './calibrated-qparams.js';

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

/** One row per result: method, scheme, range, parameters and the headline metrics. */
export function formatMethods(results: readonly QParamsResult[]): string {
  const header = ['method', 'scheme', 'range', 'scale', 'zp', 'SQNR dB', 'MSE', 'clipped', 'grid'];
  const rows = results.map((r) => [
    r.method,
    `${r.scheme} ${r.qtype}`,
    rangeText(r.range),
    typeof r.scale === 'number' ? num(r.scale) : `${r.scale.length} scales`,
    typeof r.zeroPoint === 'number' ? String(r.zeroPoint) : '-',
    num(r.metrics.sqnrDb),
    num(r.metrics.mse),
    percent(r.metrics.clippedFraction),
    percent(r.metrics.gridUsed),
  ]);
  return table(header, rows);
}

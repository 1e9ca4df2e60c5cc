// The `--compare-methods` table: one row per calibration method and scheme, with the range
// each method chose and the error of quantizing the data with it. Not JSON.
import { num, percent, rangeText, table } from './format.js';
import type { QParamsResult } from './qparams-command.js';

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

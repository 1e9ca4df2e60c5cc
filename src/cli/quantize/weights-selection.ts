// The lines `quantize --weights int4 --calib` prints when the algorithm was chosen on held-out
// calibration samples: one row per candidate (top-1 agreement with fp32, worst output SQNR,
// seconds), the chosen one marked. The figures are in --json as report.algorithm.selection.
// Not the choice (api/weight-selection.ts).
import type { WeightSelection } from '../../ptq/weight-algorithm.js';
import { table } from '../common/format.js';

/** The candidates' table, or nothing when the algorithm was asked for. */
export function selectionLines(selection: WeightSelection | undefined): string[] {
  if (selection === undefined) return [];
  const rows = selection.candidates.map((c) => [
    c.label === selection.chosen ? `* ${c.label}` : `  ${c.label}`,
    c.top1 === null ? '-' : `${(c.top1 * 100).toFixed(2)} %`,
    c.sqnrDb.toFixed(1),
    c.seconds.toFixed(1),
  ]);
  return [
    `candidates, built from ${selection.trainBatches} calibration batch(es) and scored against ` +
      `fp32 on the other ${selection.heldOutBatches} (the chosen one, *, rebuilt from all):`,
    table(['candidate', 'top-1 vs fp32', 'worst SQNR dB', 's'], rows),
  ];
}

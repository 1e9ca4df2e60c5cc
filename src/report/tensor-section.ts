// One tensor's section of the HTML report: what it is, the recommendation and its reason, the
// statistics the reason cites, the histogram with both grids, and the table of every candidate
// (scheme, method, range, SQNR, MSE, clipped, grid used, kernel cost on the target hardware),
// with the ranges the range guard replaces marked. Not the page around it (html-report.ts).
import type { Candidate, TensorProfile } from '../advise/index.js';
import { RANGE_GUARD_DB } from '../observers/index.js';
import { histogramChart, SCHEME_COLOURS } from './histogram-chart.js';
import { dB, escapeXml, percent, short } from './svg.js';

function costCell(p: TensorProfile, c: Candidate): string {
  if (p.kind === 'weight') return '';
  const cost = p.costs[`${c.scheme} ${c.qtype}`];
  return cost === null || cost === undefined ? 'n/a' : `${cost.toFixed(2)}x`;
}

function isChosen(p: TensorProfile, c: Candidate): boolean {
  const r = p.recommendation;
  const qtype = r.scheme === 'symmetric' ? 'int8' : r.qtype;
  return (
    c.scheme === r.scheme &&
    c.qtype === qtype &&
    c.method === r.method &&
    c.granularity === r.granularity
  );
}

function candidateTable(p: TensorProfile): string {
  const head = [
    'scheme',
    'granularity',
    'method',
    'range',
    'scale',
    'SQNR dB',
    'MSE',
    'clipped',
    'grid used',
  ];
  if (p.kind === 'activation') head.push('kernel cost');
  const rows = p.candidates.map((c) => {
    const cells = [
      `<span style="color:${SCHEME_COLOURS[c.scheme]}">${c.scheme}</span> ${c.qtype}`,
      c.granularity,
      c.guarded === null ? c.method : `${c.method} &#8594; min/max&#8224;`,
      `[${short(c.range.min)}, ${short(c.range.max)}]`,
      short(c.scale),
      dB(c.metrics.sqnrDb),
      short(c.metrics.mse),
      percent(c.metrics.clippedFraction),
      percent(c.metrics.gridUsed),
    ];
    if (p.kind === 'activation') cells.push(costCell(p, c));
    const cls = isChosen(p, c) ? ' class="chosen"' : '';
    return `<tr${cls}>${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
  });
  const guarded = p.candidates.flatMap((c) =>
    c.guarded === null
      ? []
      : [
          `${c.scheme} ${c.qtype} ${c.method} [${short(c.guarded.range.min)}, ` +
            `${short(c.guarded.range.max)}] ${dB(c.guarded.sqnrDb)} dB`,
        ],
  );
  const note =
    guarded.length === 0
      ? ''
      : `<p class="guard">&#8224; range guard: these methods' own ranges expect more than ` +
        `${RANGE_GUARD_DB} dB less SQNR than min/max's, so min/max replaces them: ` +
        `${escapeXml(guarded.join('; '))}.</p>`;
  return (
    `<table class="candidates"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>${note}`
  );
}

function statsLine(p: TensorProfile): string {
  const s = p.stats;
  const items: [string, string][] = [
    ['min', short(s.min)],
    ['max', short(s.max)],
    ['mean', short(s.mean)],
    ['std', short(s.std)],
    ['skewness', s.skewness.toFixed(2)],
    ['kurtosis', s.kurtosis.toFixed(2)],
    ['negative', percent(s.negativeFraction)],
    ['outlier ratio', s.outlierRatio.toFixed(2)],
  ];
  if (p.shape !== null) items.unshift(['shape', `[${p.shape.join(', ')}]`]);
  return `<dl class="stats">${items.map(([k, v]) => `<dt>${k}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>`;
}

/** The HTML of one tensor's section; `anchor` is its element id. */
export function tensorSection(p: TensorProfile, anchor: string): string {
  const r = p.recommendation;
  const what =
    p.kind === 'activation'
      ? `activation from ${escapeXml(p.node)}, ` +
        (p.consumers.length === 0
          ? 'read by float ops only (quantized as its producer’s output)'
          : `read by ${escapeXml(p.consumers.join(', '))}`) +
        (p.tensors.length > 1
          ? `; shares its scale with ${p.tensors.length - 1} more tensor(s)`
          : '')
      : `weight of ${escapeXml(p.node)}`;
  const measured =
    p.measured === null ? '' : `; measured on held-out samples: <b>${dB(p.measured.sqnrDb)} dB</b>`;
  const storage =
    r.scheme === 'symmetric' && r.qtype === 'uint8' ? ' (stored as uint8, zero point 128)' : '';
  return (
    `<section class="tensor ${p.kind}" id="${anchor}">` +
    `<h3>${escapeXml(p.id)} <span class="rec" style="color:${SCHEME_COLOURS[r.scheme]}">` +
    `${r.scheme} ${r.qtype}${storage}, ${r.granularity}, ${r.method}</span></h3>` +
    `<p class="what">${what}</p>` +
    `<p class="reason">${escapeXml(r.reason)}</p>` +
    `<p class="expect">expected SQNR ${dB(r.sqnrDb)} dB${measured}` +
    (r.cost === null ? '' : `; kernel cost ${r.cost.toFixed(2)}x`) +
    `</p>${statsLine(p)}<div class="chart">${histogramChart(p)}</div>${candidateTable(p)}</section>`
  );
}

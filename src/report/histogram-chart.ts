// One tensor's histogram with both quantization grids drawn under the data: every level of the
// symmetric and of the asymmetric grid as a tick, each calibration method's clipping thresholds
// marked on its scheme's row, and the recommended range as dashed lines over the bars. Counts
// are drawn on a log scale so a spike at zero does not flatten the rest. Plain SVG text.
// Not the numbers themselves (advise/) and not the page (html-report.ts).
import type { Candidate, TensorProfile } from '../advise/index.js';
import { escapeXml, linear, px, short, svg, text, ticks } from './svg.js';

const WIDTH = 720;
const HEIGHT = 236;
const LEFT = 96;
const RIGHT = 14;
const TOP = 14;
const PLOT = 118;
const AXIS = TOP + PLOT;

/** Colours of the two schemes, shared with the page's legend. */
export const SCHEME_COLOURS = { symmetric: '#d9730d', asymmetric: '#2f6fb5' } as const;

const METHOD_MARK: Readonly<Record<string, string>> = {
  minmax: 'm',
  percentile: 'p',
  entropy: 'e',
  mse: 's',
};

/** The grid levels of a per-tensor candidate: (q - zp) * scale over its integer grid. */
function levels(c: Candidate): number[] {
  const [qmin, qmax] =
    c.scheme === 'symmetric' ? [-127, 127] : c.qtype === 'uint8' ? [0, 255] : [-128, 127];
  const out: number[] = [];
  for (let q = qmin; q <= qmax; q++) out.push((q - c.zeroPoint) * c.scale);
  return out;
}

function candidate(p: TensorProfile, scheme: 'symmetric' | 'asymmetric', method: string) {
  const qtype = scheme === 'symmetric' ? 'int8' : 'uint8';
  return p.candidates.find(
    (c) =>
      c.scheme === scheme &&
      c.qtype === qtype &&
      c.method === method &&
      c.granularity === 'per-tensor',
  );
}

/** The SVG chart of one tensor profile. */
export function histogramChart(p: TensorProfile): string {
  const method = p.kind === 'weight' ? 'minmax' : p.recommendation.method;
  const rows = (['symmetric', 'asymmetric'] as const).map((scheme) => ({
    scheme,
    grid: candidate(p, scheme, method),
    marks: p.candidates.filter(
      (c) =>
        c.scheme === scheme &&
        c.qtype === (scheme === 'symmetric' ? 'int8' : 'uint8') &&
        c.granularity === 'per-tensor',
    ),
  }));
  const { lo, hi, counts } = p.histogram;
  let d0 = Math.min(lo, 0);
  let d1 = Math.max(hi, 0);
  for (const r of rows) {
    if (r.grid === undefined) continue;
    // A symmetric grid reaches -absmax even over non-negative data: show the half it wastes.
    const reach = r.scheme === 'symmetric' ? 127 * r.grid.scale : 0;
    d0 = Math.min(d0, r.grid.range.min, -reach);
    d1 = Math.max(d1, r.grid.range.max, reach);
  }
  if (!(d1 > d0)) d1 = d0 + 1;
  const x = linear(d0, d1, LEFT, WIDTH - RIGHT);
  const parts: string[] = [];
  // Bars: one path, log-scaled heights.
  const top = Math.max(...counts.map((c) => Math.log10(1 + c)), 1e-9);
  const binWidth = (hi - lo) / Math.max(1, counts.length);
  let bars = '';
  counts.forEach((c, j) => {
    if (c <= 0) return;
    const h = (Math.log10(1 + c) / top) * PLOT;
    const x0 = x(lo + j * binWidth);
    const w = Math.max(0.6, x(lo + (j + 1) * binWidth) - x0);
    bars += `M${px(x0)} ${px(AXIS)}v${px(-h)}h${px(w)}v${px(h)}z`;
  });
  parts.push(`<path d="${bars}" fill="#9fb3c8" class="bars"/>`);
  // Axis with round ticks and zero.
  parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${AXIS}" y2="${AXIS}" stroke="#555"/>`);
  for (const t of ticks(d0, d1, 6)) {
    parts.push(
      `<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${AXIS}" y2="${AXIS + 4}" stroke="#555"/>`,
    );
    parts.push(text(x(t), AXIS + 15, short(t), { 'text-anchor': 'middle', class: 'tick' }));
  }
  parts.push(
    `<line x1="${px(x(0))}" x2="${px(x(0))}" y1="${TOP}" y2="${AXIS}" stroke="#888" stroke-dasharray="2 3"/>`,
  );
  parts.push(text(8, TOP + 10, 'log count', { class: 'label' }));
  // Grid rows: a tick per level, method thresholds as letters.
  rows.forEach((r, i) => {
    const y = AXIS + 34 + i * 32;
    const colour = SCHEME_COLOURS[r.scheme];
    const chosen = p.recommendation.scheme === r.scheme;
    parts.push(
      text(8, y + 8, r.scheme, {
        class: 'label',
        fill: colour,
        'font-weight': chosen ? 'bold' : 'normal',
      }),
    );
    if (r.grid === undefined) return;
    let path = '';
    for (const v of levels(r.grid)) {
      const at = x(v);
      if (at >= LEFT - 0.5 && at <= WIDTH - RIGHT + 0.5) path += `M${px(at)} ${y}v9`;
    }
    parts.push(
      `<path d="${path}" stroke="${colour}" stroke-width="${chosen ? 1 : 0.6}" class="grid"/>`,
    );
    for (const m of r.marks) {
      // A method clips where its grid ends: +-absmax for symmetric, its widened range otherwise.
      const grid = levels(m);
      for (const edge of [grid[0]!, grid[grid.length - 1]!]) {
        const at = x(edge);
        parts.push(`<path d="M${px(at)} ${y - 2}v13" stroke="#222" stroke-width="1.2"/>`);
        parts.push(
          text(at, y - 4, METHOD_MARK[m.method] ?? '?', { 'text-anchor': 'middle', class: 'mark' }),
        );
      }
    }
  });
  // The recommended range over the data.
  const rec = candidate(p, p.recommendation.scheme, method);
  if (rec !== undefined) {
    const grid = levels(rec);
    for (const edge of [grid[0]!, grid[grid.length - 1]!]) {
      const colour = SCHEME_COLOURS[rec.scheme];
      parts.push(
        `<line x1="${px(x(edge))}" x2="${px(x(edge))}" y1="${TOP}" y2="${AXIS}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
      );
    }
  }
  const title = `Histogram of ${p.id} with symmetric and asymmetric grids`;
  return svg(
    WIDTH,
    HEIGHT,
    title,
    `<g font-family="sans-serif" font-size="10">${parts.join('')}</g>`,
  ).replace(
    '<title>',
    `<desc>${escapeXml(`${counts.length} bins over [${short(lo)}, ${short(hi)}]`)}</desc><title>`,
  );
}

// The layer sensitivity ranking as a bar chart: one horizontal bar per layer, most sensitive
// (lowest output SQNR with only that layer quantized) first, the length being the output noise
// that layer alone causes, so the layers worth falling back stand out. Plain SVG text.
// Not the measurement (advise/sensitivity.ts).
import type { LayerSensitivity } from '../advise/index.js';
import { dB, linear, px, svg, text, ticks } from './svg.js';

const WIDTH = 720;
const LEFT = 250;
const RIGHT = 70;
const ROW = 15;
const TOP = 26;

/**
 * Bars for the `limit` most sensitive layers; the bar length is the noise power relative to the
 * least sensitive shown, on a dB scale from the best SQNR down to the worst.
 */
export function sensitivityChart(layers: readonly LayerSensitivity[], limit = 30): string {
  const shown = layers.slice(0, limit);
  const height = TOP + shown.length * ROW + 30;
  if (shown.length === 0) {
    return svg(WIDTH, 40, 'No layer sensitivity measured', text(10, 24, 'no layers measured'));
  }
  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const best = Math.max(...finite, 0);
  const worst = Math.min(...shown.map((l) => l.sqnrDb).filter(Number.isFinite), best - 1);
  // Bars grow as SQNR falls: length = best - sqnr.
  const x = linear(0, best - worst, LEFT, WIDTH - RIGHT);
  const parts: string[] = [
    text(
      LEFT,
      14,
      'output SQNR against fp32 with only this layer quantized (dB; longer = more sensitive)',
      {
        class: 'label',
      },
    ),
  ];
  shown.forEach((l, i) => {
    const y = TOP + i * ROW;
    const loss = Number.isFinite(l.sqnrDb) ? best - l.sqnrDb : 0;
    const name = `${l.label} (${l.opType})`;
    const short = name.length > 40 ? `${name.slice(0, 39)}\u2026` : name;
    parts.push(text(LEFT - 6, y + 10, short, { 'text-anchor': 'end' }));
    parts.push(
      `<rect x="${LEFT}" y="${px(y + 2)}" width="${px(Math.max(1, x(loss) - LEFT))}" height="${ROW - 4}" fill="#c44e52" class="bar"/>`,
    );
    parts.push(text(x(loss) + 4, y + 10, `${dB(l.sqnrDb)} dB`));
  });
  const axis = TOP + shown.length * ROW + 4;
  parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${axis}" y2="${axis}" stroke="#555"/>`);
  for (const t of ticks(0, best - worst, 5)) {
    parts.push(text(x(t), axis + 13, dB(best - t), { 'text-anchor': 'middle', class: 'tick' }));
  }
  const title = `Layer sensitivity: the ${shown.length} most sensitive of ${layers.length} layers`;
  return svg(
    WIDTH,
    height,
    title,
    `<g font-family="sans-serif" font-size="10">${parts.join('')}</g>`,
  );
}

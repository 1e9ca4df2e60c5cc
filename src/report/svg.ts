// The small toolkit the report's charts are drawn with: escaping for XML and HTML, number
// formats that keep labels short, a linear scale, and axis ticks at round values. Charts are
// plain SVG strings, so the report needs no script and no network to show them.
// Not a chart itself (histogram-chart.ts, sensitivity-chart.ts).

/** Escapes text for XML/HTML element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number in 3 significant digits, exponent only when very large or small; 'inf' for Infinity. */
export function short(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'n/a';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e5) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

/** A dB figure with one decimal ('exact' for Infinity). */
export function dB(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : 'exact';
}

/** A fraction as a percentage. */
export function percent(value: number): string {
  if (value > 0 && value < 0.001) return `${(value * 100).toFixed(3)}%`;
  return `${(value * 100).toFixed(1)}%`;
}

/** Maps [d0, d1] linearly onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0 || 1;
  return (x) => r0 + ((x - d0) / span) * (r1 - r0);
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of 10). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** A coordinate rounded to 0.1 px, which keeps paths short. */
export function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** An `<svg>` element of the given size around `body`, with a title for screen readers. */
export function svg(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>${body}</svg>`
  );
}

/** A text element. */
export function text(
  x: number,
  y: number,
  content: string,
  attrs: Readonly<Record<string, string | number>> = {},
): string {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  return `<text x="${px(x)}" y="${px(y)}"${extra}>${escapeXml(content)}</text>`;
}

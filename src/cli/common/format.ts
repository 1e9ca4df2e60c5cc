// Plain-text rendering of command results for a person, shared by the commands: short aligned
// tables, numbers with the digits that matter, percentages. Not JSON (the commands print
// JSON.stringify themselves) and not any one command's table (each folder has its own).

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

/** A fraction as a percentage with the digits that matter. */
export function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
}

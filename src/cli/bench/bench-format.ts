// Plain-text tables of `zeropoint bench`: models side by side, kernels with GOP/s and relative
// cost, the derived facts, and Node's and the browser's kernel figures beside each other.
// Not JSON (the command prints JSON.stringify of the result objects).
import {
  profileFacts,
  type HardwareProfile,
  type KernelMeasurement,
  type Spread,
} from '../../hardware/index.js';
import type { ModelBenchReport } from './models.js';
import { num, table } from '../common/format.js';

/** Bytes as B, KiB or MiB. */
export function bytes(n: number | null): string {
  if (n === null) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const percent = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

/** The model benchmark as a table; agreement columns show the worst output of each model. */
export function formatModelBench(report: ModelBenchReport): string {
  const rows = report.models.map((m) => {
    const a = m.agreement;
    const sqnr = a.length === 0 ? NaN : Math.min(...a.map((o) => o.sqnrDb));
    const diff = a.length === 0 ? NaN : Math.max(...a.map((o) => o.maxAbsError));
    const top1 = a.flatMap((o) => (o.top1 === null ? [] : [o.top1]));
    return [
      m.file,
      bytes(m.fileBytes),
      num(m.latencyMs.median),
      num(m.latencyMs.p90),
      num(m.throughput),
      `${num(m.relativeLatency, 3)}x`,
      bytes(m.peakMemoryBytes),
      num(sqnr),
      num(diff),
      top1.length === 0 ? '-' : percent(Math.min(...top1)),
    ];
  });
  const { source, samples, shapes, defaults, note } = report.inputs;
  const inputs = Object.entries(shapes)
    .map(([name, dims]) => `${name} [${dims.join(', ')}]`)
    .join(', ');
  const chosen = Object.entries(defaults).map(([dim, size]) => `${dim}=${size}`);
  return [
    `${report.runtime.name} ${report.runtime.version}, ${report.runtime.threads} thread(s), ` +
      `${report.runs} interleaved runs after ${report.warmup} warm-up; ` +
      `inputs ${source} (${samples} sample${samples === 1 ? '' : 's'}): ${inputs}`,
    ...(chosen.length === 0
      ? []
      : [`dynamic dimensions by default: ${chosen.join(', ')} (set them with --dim)`]),
    table(
      [
        'model',
        'size',
        'median ms',
        'p90 ms',
        'runs/s',
        'vs first',
        'peak mem',
        'SQNR dB',
        'max |diff|',
        'top-1',
      ],
      rows,
    ),
    'agreement is with the first model on the same inputs (worst output shown); ' +
      'peak mem is what loading and running the model adds to a fresh process',
    ...(note === null ? [] : [`note: ${note}`]),
  ].join('\n');
}

const SHORT: Readonly<Record<string, string>> = { uint8: 'u8', int8: 's8', float32: 'f32' };

/** A kernel's label: "QLinearMatMul u8 x s8 zp 0/117". */
export function kernelLabel(k: KernelMeasurement): string {
  const zp =
    k.aZeroPoint === null && k.bZeroPoint === null
      ? ''
      : ` zp ${k.aZeroPoint ?? '-'}/${k.bZeroPoint ?? '-'}`;
  return `${k.op} ${SHORT[k.a]} x ${SHORT[k.b]}${zp}`;
}

/** Signedness, unsigned-weight and zero-point costs in words. */
export function formatFacts(profile: HardwareProfile): string {
  const f = profileFacts(profile);
  const times = (x: number | null): string => (x === null ? '-' : `${num(x, 3)}x`);
  const pct = (x: number): string => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
  const zp = (s: Spread | null): string =>
    s === null ? '-' : `${pct(s[1])} (${pct(s[0])} .. ${pct(s[2])})`;
  const rows = [
    [
      'all integer ops',
      f.signedActivationCost,
      f.unsignedWeightCost,
      f.activationZeroPointCost,
      f.weightZeroPointCost,
    ] as const,
    ...f.byOp.map(
      (o) =>
        [
          o.op,
          o.signedActivationCost,
          o.unsignedWeightCost,
          o.activationZeroPointCost,
          o.weightZeroPointCost,
        ] as const,
    ),
  ];
  return table(
    ['', 's8xs8 / u8xs8', 'u8xu8 / u8xs8', 'activation zp != 0', 'weight zp != 0'],
    rows.map(([name, s, u, a, w]) => [name, times(s), times(u), zp(a), zp(w)]),
  );
}

/** Kernel figures of one or more profiles side by side (rows match on op, types, zp, shape). */
export function formatKernels(profiles: readonly HardwareProfile[]): string {
  const first = profiles[0];
  if (first === undefined) return '';
  const key = (k: KernelMeasurement): string => `${kernelLabel(k)} ${k.shape.join('x')}`;
  const keys = [...new Set(profiles.flatMap((p) => p.kernels.map(key)))];
  const lookups = profiles.map((p) => new Map(p.kernels.map((k) => [key(k), k])));
  const header = ['kernel', 'shape'];
  for (const p of profiles) header.push(`${p.runtime.name} GOP/s`, 'cost');
  const rows = keys.map((k) => {
    const any = lookups.map((l) => l.get(k)).find((x) => x !== undefined)!;
    const row = [kernelLabel(any), any.shape.join('x')];
    for (const l of lookups) {
      const m = l.get(k);
      row.push(
        m === undefined ? '-' : num(m.gops, 3),
        m === undefined ? '-' : `${num(m.relativeCost, 3)}x`,
      );
    }
    return row;
  });
  const parts = profiles.map(
    (p) =>
      `${p.runtime.name} ${p.runtime.version} (${p.runtime.backend}, ` +
      `${p.runtime.threads} thread(s)) on ${p.machine.cpu}`,
  );
  const sections = [parts.join('\n'), table(header, rows)];
  for (const p of profiles) {
    sections.push(`${p.runtime.name}:\n${formatFacts(p)}`);
    for (const s of p.skipped)
      sections.push(`  skipped ${s.op} ${s.a} x ${s.b}: ${s.reason.split('\n')[0]}`);
  }
  sections.push('cost: time over the fastest kernel of the same shape, median of paired rounds');
  return sections.join('\n\n');
}

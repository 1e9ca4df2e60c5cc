// The loop benchmark's (bench/loops.ts) breakdown of a histogram observe: the extremes scan and
// the binning apart, copied chunk by chunk and in kernel memory, to say where the whole observe
// loses against the binning kernel alone on a cached chunk. Not the observer and not a test.
import { histogramAddFast } from '../src/kernels/index.js';
import { median } from '../src/hardware/timing-stats.js';
import { HistogramObserver, scan } from '../src/observers/index.js';
import { perSecond, printTable } from './harness.js';

type Fn = () => unknown;

/**
 * Where a whole first-batch histogram observe goes, part by part on the benchmark's values, in
 * process CPU time (steadier than wall time on a shared machine), median of 7 interleaved
 * rounds: the extremes scan it starts with, the binning (on the grid the first batch gets;
 * with and without the NaN/Inf checks), each copied chunk by chunk and in kernel memory.
 */
export function histogramParts(x: Float32Array, xr: Float32Array | undefined): void {
  const first = scan(x);
  const grid = { origin: first.min, top: first.max, bins: 2048, start: 0, exponent: 0 };
  const counts = new Float64Array(2048);
  const finite = { finite: true, max: first.max };
  const cases: [string, Fn][] = [
    ['extremes scan', () => scan(x)],
    ['binning, finite batch', () => histogramAddFast(x, grid, counts, finite)],
    ['binning, NaN/Inf checked', () => histogramAddFast(x, grid, counts)],
    ['whole first-batch observe', () => new HistogramObserver().observe(x)],
  ];
  if (xr !== undefined) {
    cases.push(
      ['extremes scan, in kernel memory', () => scan(xr)],
      ['binning, finite batch, in kernel memory', () => histogramAddFast(xr, grid, counts, finite)],
      ['whole first-batch observe, in kernel memory', () => new HistogramObserver().observe(xr)],
    );
  }
  const cpu = (): number => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  const samples = cases.map(() => [] as number[]);
  for (const [, f] of cases) f();
  for (let r = 0; r < 7; r++) {
    cases.forEach(([, f], i) => {
      const c0 = cpu();
      f();
      samples[i]!.push(cpu() - c0);
    });
  }
  console.log('');
  printTable(
    [`histogram observe by part, ${x.length} values, CPU time`, 'wasm SIMD', 'ns a value'],
    cases.map(([name], i) => {
      const t = median(samples[i]!);
      return [name, perSecond(x.length, t), ((t / x.length) * 1e9).toFixed(3)];
    }),
  );
}

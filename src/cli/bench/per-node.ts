// `zeropoint bench --per-node A B`: where the time goes between two models of one network, node
// by node (onnxruntime's profiler through hardware/node-timing.ts), top offenders first, with
// the share of the whole difference the table explains. The result is what --json prints.
// Not the whole-model benchmark (models.ts) nor the measuring (hardware/).
import { readFileSync } from 'node:fs';
import { fail } from '../../core/errors.js';
import { compareNodeTimes, timeModelNodes, type NodeComparison } from '../../hardware/index.js';
import { readModel } from '../../onnx/model.js';
import { runtimeVersion } from '../../runtime/onnxruntime.js';
import type { ImageOptions } from '../io/calib-images.js';
import { num, table } from '../common/format.js';
import { feedsOfShapes, inputSpecs, resolveShapes, type Feeds } from './inputs.js';
import { calibrationSamples } from './models.js';

/** Options of the per-node benchmark. */
export interface PerNodeOptions {
  readonly threads: number;
  readonly warmup: number;
  readonly runs: number;
  readonly calib?: string;
  readonly image?: ImageOptions;
  readonly dims: ReadonlyMap<string, number>;
}

/** The per-node comparison of two model files, as --json prints it. */
export interface PerNodeReport extends NodeComparison {
  readonly runtime: { readonly name: string; readonly version: string; readonly threads: number };
  readonly files: readonly [string, string];
  readonly runs: number;
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  /** Microseconds onnxruntime's profiler added to each kernel, measured and subtracted. */
  readonly profilerOverheadUs: number;
}

/** Times `files` (exactly two) node by node on the same inputs, interleaved. */
export async function benchPerNode(
  files: readonly string[],
  options: PerNodeOptions,
): Promise<PerNodeReport> {
  if (files.length !== 2) {
    fail('bad-argument', `--per-node compares two models (A B), got ${files.length}`);
  }
  const bytes = files.map((file) => {
    try {
      return new Uint8Array(readFileSync(file));
    } catch (error) {
      return fail('io', `cannot read ${file}: ${(error as Error).message}`, { file });
    }
  });
  const model = readModel(bytes[0]!, files[0]);
  const specs = inputSpecs(model);
  const samples: Feeds[] =
    options.calib === undefined
      ? []
      : await calibrationSamples(options.calib, model, options.image);
  const { shapes } = resolveShapes(specs, options.dims, samples[0]);
  if (samples.length === 0) samples.push(feedsOfShapes(specs, shapes));
  const [a, b] = await timeModelNodes(bytes, samples, {
    threads: options.threads,
    warmup: options.warmup,
    runs: options.runs,
  });
  return {
    runtime: { name: 'onnxruntime-node', version: runtimeVersion(), threads: options.threads },
    files: [files[0]!, files[1]!],
    runs: options.runs,
    inputs: shapes,
    profilerOverheadUs: a!.overheadUs,
    ...compareNodeTimes(a!, b!),
  };
}

/** A whole difference below this share of A's latency is called noise in the printout. */
const NOISE = 0.05;

/** Rows printed before the rest are summed into one line. */
const TOP = 25;

/** The per-node table: top offenders first, then the totals and the explained fraction. */
export function formatPerNode(report: PerNodeReport): string {
  const ms = (x: number) => num(x, 3);
  const rows = report.rows
    .slice(0, TOP)
    .map((r) => [
      r.node,
      r.op,
      ms(r.aMs),
      ms(r.bMs),
      `${r.deltaMs >= 0 ? '+' : ''}${ms(r.deltaMs)}`,
      `${(r.share * 100).toFixed(1)}%`,
      r.bBoundaryMs > 0 ? ms(r.bBoundaryMs) : '',
    ]);
  const rest = report.rows.slice(TOP);
  if (rest.length > 0) {
    const sum = (f: (r: (typeof rest)[number]) => number) => rest.reduce((s, r) => s + f(r), 0);
    const delta = sum((r) => r.deltaMs);
    rows.push([
      `(${rest.length} more nodes)`,
      '',
      ms(sum((r) => r.aMs)),
      ms(sum((r) => r.bMs)),
      `${delta >= 0 ? '+' : ''}${ms(delta)}`,
      `${((report.differenceMs === 0 ? 0 : delta / report.differenceMs) * 100).toFixed(1)}%`,
      '',
    ]);
  }
  const [a, b] = report.files;
  return [
    `${report.runtime.name} ${report.runtime.version}, ${report.runtime.threads} thread(s), ` +
      `${report.runs} interleaved runs; A = ${a}, B = ${b}`,
    table(['node', 'op', 'A ms', 'B ms', 'delta ms', 'share', 'B boundary ms'], rows),
    `whole model: A ${ms(report.aMs)} ms, B ${ms(report.bMs)} ms (B/A ${num(report.ratio, 3)}x, ` +
      `median of per-round ratios; ${report.runtime.threads === 1 ? 'process CPU time' : 'wall time'}); ` +
      `difference ${ms(report.differenceMs)} ms (median of per-round differences)`,
    `the table explains ${ms(report.explainedMs)} ms of it: ` +
      `${(report.explained * 100).toFixed(1)}%` +
      (Math.abs(report.differenceMs) < NOISE * report.aMs
        ? ` (the difference is under ${NOISE * 100} % of A's latency: within timing noise, the ` +
          'fraction says little)'
        : ''),
    `per-node times: onnxruntime's profiler, median over runs, less its measured ` +
      `${report.profilerOverheadUs.toFixed(1)} us per kernel; Q/DQ and layout nodes are ` +
      'charged to the node that causes them (B boundary ms)',
  ].join('\n');
}

// `npm run bench -- quantize`: quantize and dequantize of 16M float32 values, per-tensor and
// per-axis, to int8, uint8 and int4, against a memory-bound pass over the same bytes measured
// in the same run. Goal: per-tensor int8 quantize >= 50% of the memory-bound rate.
import { chooseTensorQParams, dequantize, quantize, type QParams } from '../src/core/index.js';
import {
  benchData,
  memoryBoundPass,
  perSecond,
  printTable,
  timeInterleaved,
  type BenchCase,
} from './harness.js';

const N = 16 * 1024 * 1024;
const SHAPE = [4096, 4096];

export function run(): void {
  const x = benchData(N);
  const bytes = new Uint8Array(N);
  const configs = [
    { qtype: 'int8', scheme: 'symmetric' },
    { qtype: 'uint8', scheme: 'asymmetric' },
    { qtype: 'int4', scheme: 'symmetric' },
  ] as const;
  const cases: BenchCase[] = [{ name: 'memory-bound pass', fn: () => memoryBoundPass(x, bytes) }];
  for (const spec of configs) {
    for (const granularity of [{ kind: 'per-tensor' }, { kind: 'per-axis', axis: 0 }] as const) {
      const params: QParams = chooseTensorQParams(x, SHAPE, spec, granularity);
      const q = quantize(x, SHAPE, params);
      const label = `${spec.qtype} ${granularity.kind}`;
      cases.push({ name: `quantize ${label}`, fn: () => quantize(x, SHAPE, params) });
      cases.push({ name: `dequantize ${label}`, fn: () => dequantize(q, SHAPE, params) });
    }
  }
  const results = timeInterleaved(cases, 5);
  const limit = results[0]!.median;
  printTable(
    ['case (16M float32, 1 thread)', 'median ms', 'elements/s', 'vs memory-bound'],
    results.map((r) => [
      r.name,
      (r.median * 1e3).toFixed(1),
      perSecond(N, r.median),
      `${((limit / r.median) * 100).toFixed(0)}%`,
    ]),
  );
}

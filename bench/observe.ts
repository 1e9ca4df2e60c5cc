// `npm run bench -- observe`: observe throughput of minmax, ema and histogram on 16M float32
// values, and the time of the percentile, entropy and mse searches on a 2048-bin histogram, each
// beside the memory-bound pass measured in the same run. Goals: minmax >= 50% of that pass,
// histogram >= 25%, entropy < 20 ms. PyTorch's figures are a reference column when
// /usr/bin/python3 has torch; the bench works without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QuantSpec } from '../src/core/index.js';
import {
  EmaObserver,
  entropyRange,
  HistogramObserver,
  MinMaxObserver,
  mseRange,
  percentileRange,
} from '../src/observers/index.js';
import {
  benchData,
  memoryBoundPass,
  perSecond,
  printTable,
  timeInterleaved,
  type BenchCase,
} from './harness.js';

const N = 16 * 1024 * 1024;
const SYMMETRIC: QuantSpec = { qtype: 'int8', scheme: 'symmetric' };
const ASYMMETRIC: QuantSpec = { qtype: 'uint8', scheme: 'asymmetric' };

/** PyTorch's timings (seconds) on the same data, single-threaded; undefined when unavailable. */
const TORCH_SCRIPT = `
import json, sys, time
try:
    import numpy as np, torch
    from torch.ao.quantization import observer as O
except Exception as e:
    print(json.dumps({'error': str(e)})); sys.exit(0)
torch.set_num_threads(1)
x = torch.from_numpy(np.fromfile(sys.argv[1], dtype='<f4'))
def best(fn, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]
ema = O.MovingAverageMinMaxObserver(); ema(x)
hist = O.HistogramObserver(); hist(x)
print(json.dumps({'version': torch.__version__,
    'minmax': best(lambda: O.MinMaxObserver()(x)),
    'ema': best(lambda: ema(x)),
    'histogram': best(lambda: O.HistogramObserver()(x)),
    'mse torch': best(lambda: hist.calculate_qparams(), 1)}))
`;

/** PyTorch observers timed on x (seconds), or undefined without torch; shared with loops.ts. */
export function torchTimings(x: Float32Array): Record<string, number> | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-bench-'));
  try {
    const file = join(dir, 'x.f32');
    writeFileSync(file, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const out = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, file], { encoding: 'utf8' });
    const parsed = JSON.parse(out.stdout || '{}') as Record<string, number | string>;
    if (typeof parsed.version !== 'string') return undefined;
    console.log(`PyTorch ${parsed.version} reference (1 thread, same data)`);
    return parsed as Record<string, number>;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function run(): void {
  const x = benchData(N);
  const bytes = new Uint8Array(N);
  const ema = new EmaObserver();
  ema.observe(x);
  const observeCases: BenchCase[] = [
    { name: 'memory-bound pass', fn: () => memoryBoundPass(x, bytes) },
    { name: 'minmax', fn: () => new MinMaxObserver().observe(x) },
    { name: 'ema', fn: () => ema.observe(x) },
    { name: 'histogram', fn: () => new HistogramObserver().observe(x) },
  ];
  const observed = timeInterleaved(observeCases, 7);
  const limit = observed[0]!.median;

  const h = new HistogramObserver();
  h.observe(x);
  const s = h.snapshot();
  const searchCases: BenchCase[] = [
    { name: 'memory-bound pass', fn: () => memoryBoundPass(x, bytes) },
    { name: 'percentile symmetric', fn: () => percentileRange(s, SYMMETRIC) },
    { name: 'percentile asymmetric', fn: () => percentileRange(s, ASYMMETRIC) },
    { name: 'entropy symmetric', fn: () => entropyRange(s, SYMMETRIC) },
    { name: 'entropy asymmetric', fn: () => entropyRange(s, ASYMMETRIC) },
    { name: 'mse exhaustive symmetric', fn: () => mseRange(s, SYMMETRIC, 'exhaustive') },
    { name: 'mse exhaustive asymmetric', fn: () => mseRange(s, ASYMMETRIC, 'exhaustive') },
    { name: 'mse torch', fn: () => mseRange(s, ASYMMETRIC, 'torch') },
  ];
  const searched = timeInterleaved(searchCases, 7);
  const torch = torchTimings(x);
  const ref = (name: string, f: (t: number) => string): string[] =>
    torch === undefined ? [] : [torch[name] === undefined ? '-' : f(torch[name])];
  const torchHeader = torch === undefined ? [] : ['PyTorch'];

  printTable(
    [
      'observe (16M float32, 1 thread)',
      'median ms',
      'elements/s',
      'vs memory-bound',
      ...torchHeader,
    ],
    observed.map((r) => [
      r.name,
      (r.median * 1e3).toFixed(1),
      perSecond(N, r.median),
      `${((limit / r.median) * 100).toFixed(0)}%`,
      ...ref(r.name, (t) => perSecond(N, t)),
    ]),
  );
  console.log('');
  const pass = searched[0]!.median;
  printTable(
    ['search (2048 bins)', 'median ms', 'vs memory-bound pass', ...torchHeader],
    searched.map((r) => [
      r.name,
      (r.median * 1e3).toFixed(2),
      r === searched[0]
        ? `${(pass * 1e3).toFixed(1)} ms`
        : `${((r.median / pass) * 100).toFixed(0)}%`,
      ...ref(r.name, (t) => `${(t * 1e3).toFixed(1)} ms`),
    ]),
  );
  console.log(
    '\ngoals: minmax >= 50% and histogram >= 25% of the memory-bound rate; entropy < 20 ms',
  );
}

